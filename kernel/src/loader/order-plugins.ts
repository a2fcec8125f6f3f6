import type { Token } from '../di/token.js';
import { PluginCompositionError } from '../errors/errors.js';
import type { PluginDefinition } from '../plugin/plugin-definition.js';

/** Hints for well-known tokens, used in "missing provider" messages. */
const PROVIDER_HINTS: Record<string, string> = {
  'strata.wal': 'wal-local or wal-quorum',
  'strata.engine': 'engine-lsm',
  'strata.store': 'store-fs or store-s3',
  'strata.query': 'the kernel query service (needs an engine)',
  'strata.catalog': 'the kernel catalog (needs an engine and a store)',
};

/**
 * Orders plugins so every provider comes before the plugins that require
 * (or optionally use) what it provides. Stable: among independent plugins
 * the config order is kept. Fails with one clear message on a missing
 * provider, a duplicate provider of a singleton, a duplicate plugin name,
 * or a cycle.
 *
 * `kernelTokens` are bound by the kernel itself and need no provider.
 */
export function orderPlugins<P extends { definition: PluginDefinition; where: string }>(
  plugins: readonly P[], kernelTokens: ReadonlyArray<Token<unknown>>): P[] {
  const names = new Map<string, P>();
  for (const p of plugins) {
    const other = names.get(p.definition.name);
    if (other) throw new PluginCompositionError(`plugin '${p.definition.name}' is listed twice (${other.where} and ${p.where})`);
    names.set(p.definition.name, p);
  }

  const kernel = new Set(kernelTokens.map((t) => t.id));
  const providers = new Map<symbol, P[]>();
  for (const p of plugins) {
    for (const t of p.definition.provides ?? []) {
      if (kernel.has(t.id)) throw new PluginCompositionError(`plugin '${p.definition.name}' provides ${t.name}, which the kernel provides itself`);
      const list = providers.get(t.id) ?? [];
      if (list.length > 0 && !t.multi) {
        throw new PluginCompositionError(`duplicate provider of ${t.name}: plugins '${list[0]!.definition.name}' and '${p.definition.name}' both provide it; keep one`);
      }
      list.push(p);
      providers.set(t.id, list);
    }
  }

  const deps = new Map<P, P[]>();
  for (const p of plugins) {
    const mine: P[] = [];
    const need = (t: Token<unknown>, required: boolean) => {
      if (kernel.has(t.id)) return;
      const list = (providers.get(t.id) ?? []).filter((x) => x !== p);
      if (list.length === 0 && required && !t.multi) {
        const hint = PROVIDER_HINTS[t.name];
        throw new PluginCompositionError(`plugin '${p.definition.name}' requires ${t.name}, which no plugin in the config provides${hint ? ` (add ${hint})` : ''}`);
      }
      mine.push(...list);
    };
    for (const t of p.definition.requires ?? []) need(t, true);
    for (const t of p.definition.optional ?? []) need(t, false);
    deps.set(p, mine);
  }

  const out: P[] = [];
  const state = new Map<P, 'visiting' | 'done'>();
  const stack: P[] = [];
  const visit = (p: P) => {
    const s = state.get(p);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(p)), p].map((x) => x.definition.name).join(' -> ');
      throw new PluginCompositionError(`dependency cycle between plugins: ${cycle}`);
    }
    state.set(p, 'visiting');
    stack.push(p);
    for (const d of deps.get(p) ?? []) visit(d);
    stack.pop();
    state.set(p, 'done');
    out.push(p);
  };
  for (const p of plugins) visit(p);
  return out;
}
