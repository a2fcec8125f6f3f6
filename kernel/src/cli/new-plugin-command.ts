import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, InvalidArgumentsError } from '../errors/errors.js';
import type { CliCommand } from './cli-commands.js';
import { checkFlags, flag } from './parse-args.js';

/** The kinds `strata new plugin` has a template for (one folder each under templates/). */
export const TEMPLATE_KINDS = ['protocol', 'function', 'wal', 'engine', 'store', 'coprocessor'] as const;
export type TemplateKind = typeof TEMPLATE_KINDS[number];

/** Lower-case kebab: starts with a letter, words of [a-z0-9] joined by single dashes. */
const NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const SCOPE_PATTERN = /^@[a-z0-9][a-z0-9._-]*$/;
/** Names that would shadow a workspace folder or a kernel service. */
const RESERVED_NAMES = new Set(['kernel', 'sdk', 'test', 'bench', 'templates', 'docs', 'scripts', 'node-modules', 'strata',
  'catalog', 'query', 'functions']);

/** The spellings of a plugin name that templates use. */
export interface NameForms {
  /** `my-proto`: plugin name, folder, package suffix. */
  readonly name: string;
  /** `@strata/my-proto`. */
  readonly packageName: string;
  /** `MyProto`: class names. */
  readonly pascal: string;
  /** `myProto`: variables. */
  readonly camel: string;
  /** `my_proto`: SQL identifiers (function names). */
  readonly snake: string;
  /** `MY_PROTO`: environment variable prefix. */
  readonly constant: string;
}

/** Checks a plugin name; returns the reason it is refused, or undefined when it is fine. */
export function pluginNameProblem(name: string): string | undefined {
  if (!name) return 'a name is required (--name my-plugin)';
  if (name.length > 50) return `'${name}' is too long (at most 50 characters)`;
  if (!NAME_PATTERN.test(name)) {
    return `'${name}' is not a valid plugin name: use lower-case kebab-case (letters, digits, single dashes; starts with a letter), e.g. 'protocol-lines'`;
  }
  if (RESERVED_NAMES.has(name)) return `'${name}' is reserved (it names a workspace folder or a kernel built-in)`;
  return undefined;
}

/** Every spelling of `name` (which must pass pluginNameProblem). */
export function nameForms(name: string, scope = '@strata'): NameForms {
  const words = name.split('-');
  const pascal = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  return {
    name,
    packageName: `${scope}/${name}`,
    pascal,
    camel: pascal[0]!.toLowerCase() + pascal.slice(1),
    snake: words.join('_'),
    constant: words.join('_').toUpperCase(),
  };
}

/**
 * Replaces the template placeholders in a file's text. Longer placeholders
 * are listed first so none is a prefix of another that runs before it.
 */
export function substitutePlaceholders(text: string, forms: NameForms): string {
  return text
    .replaceAll('__PACKAGE_NAME__', forms.packageName)
    .replaceAll('__PASCAL_NAME__', forms.pascal)
    .replaceAll('__CAMEL_NAME__', forms.camel)
    .replaceAll('__SNAKE_NAME__', forms.snake)
    .replaceAll('__CONSTANT_NAME__', forms.constant)
    .replaceAll('__NAME__', forms.name);
}

/** Walks up from `from` to the first directory whose package.json declares npm workspaces. */
export function findWorkspaceRoot(from: string): string | undefined {
  let dir = path.resolve(from);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { workspaces?: unknown }).workspaces) return dir;
      } catch { /* not ours; keep looking */ }
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

const kernelCliDir = path.dirname(fileURLToPath(import.meta.url));

/** Where templates live: an explicit dir, the workspace's templates/, or the repo this kernel was built in. */
export function findTemplatesDir(workspace: string | undefined, explicit?: string): string {
  const candidates = explicit ? [path.resolve(explicit)]
    : [...(workspace ? [path.join(workspace, 'templates')] : []), path.resolve(kernelCliDir, '../../../../templates')];
  for (const c of candidates) if (existsSync(path.join(c, 'protocol', 'package.json'))) return c;
  throw new ConfigError(`no plugin templates found (looked in ${candidates.join(', ')}); pass --templates DIR`);
}

/**
 * Adds `{ "path": "<rel>" }` to a tsconfig's `references`, editing only the
 * line it inserts (other developers edit the same file): after the last
 * reference under the same folder, else after the last reference. Returns
 * false when the reference was already there.
 */
export function addTsconfigReference(text: string, rel: string): { text: string; added: boolean } {
  const refRe = /^(\s*)\{\s*"path"\s*:\s*"([^"]+)"\s*\}\s*,?\s*$/;
  const lines = text.split('\n');
  const refs = lines.map((l, i) => ({ i, m: refRe.exec(l) })).filter((x) => x.m !== null);
  if (refs.some((r) => r.m![2] === rel)) return { text, added: false };
  if (refs.length === 0) {
    // No one-reference-per-line layout to follow: rewrite as JSON.
    const json = JSON.parse(text) as { references?: Array<{ path: string }> };
    json.references = [...(json.references ?? []), { path: rel }];
    return { text: `${JSON.stringify(json, null, 2)}\n`, added: true };
  }
  const folder = rel.split('/')[0];
  const sameFolder = refs.filter((r) => r.m![2]!.split('/')[0] === folder);
  const after = (sameFolder.length ? sameFolder : refs).at(-1)!;
  const indent = after.m![1]!;
  const isLast = after === refs.at(-1);
  if (isLast) {
    // The previous last reference needs a comma now; the new one goes without.
    lines[after.i] = lines[after.i]!.replace(/\}\s*,?\s*$/, '},');
    lines.splice(after.i + 1, 0, `${indent}{ "path": "${rel}" }`);
  } else {
    lines.splice(after.i + 1, 0, `${indent}{ "path": "${rel}" },`);
  }
  return { text: lines.join('\n'), added: true };
}

/** Removes the reference line `addTsconfigReference` added (tests and rollback). */
export function removeTsconfigReference(text: string, rel: string): string {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => new RegExp(`^\\s*\\{\\s*"path"\\s*:\\s*"${rel.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\s*\\}\\s*,?\\s*$`).test(l));
  if (i < 0) return text;
  const wasLast = !/,\s*$/.test(lines[i]!);
  lines.splice(i, 1);
  if (wasLast && i > 0 && /^\s*\{\s*"path"/.test(lines[i - 1]!)) lines[i - 1] = lines[i - 1]!.replace(/\}\s*,\s*$/, '}');
  return lines.join('\n');
}

/** What `generatePlugin` needs. */
export interface GeneratePluginRequest {
  readonly kind: TemplateKind;
  readonly name: string;
  /** Folder, relative to the workspace, that holds plugin packages (default 'plugins'). */
  readonly dir?: string;
  readonly scope?: string;
  readonly workspace: string;
  readonly templatesDir: string;
  /** Add the package to the workspace's root tsconfig.json references (default true). */
  readonly registerReference?: boolean;
}

/** What was written. */
export interface GeneratedPlugin {
  readonly packageDir: string;
  readonly forms: NameForms;
  readonly files: string[];
  /** The reference added to the root tsconfig.json, if any. */
  readonly tsconfigReference?: string;
}

async function listFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.endsWith('.tsbuildinfo')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...await listFiles(p, base));
    else out.push(path.relative(base, p));
  }
  return out.sort();
}

/**
 * Writes a new plugin package from a template: validates the name, refuses
 * an existing folder or package, copies every file with the placeholders
 * substituted (into a staging folder first, renamed into place, so a failure
 * leaves nothing half-written), and registers it in the root tsconfig.json.
 */
export async function generatePlugin(req: GeneratePluginRequest): Promise<GeneratedPlugin> {
  if (!(TEMPLATE_KINDS as readonly string[]).includes(req.kind)) {
    throw new InvalidArgumentsError(`unknown plugin kind '${req.kind}' (kinds with a template: ${TEMPLATE_KINDS.join(', ')})`);
  }
  const problem = pluginNameProblem(req.name);
  if (problem) throw new InvalidArgumentsError(problem);
  const scope = req.scope ?? '@strata';
  if (!SCOPE_PATTERN.test(scope)) throw new InvalidArgumentsError(`'${scope}' is not an npm scope (expected e.g. '@acme')`);
  const forms = nameForms(req.name, scope);
  const dirRel = (req.dir ?? 'plugins').replace(/\\/g, '/').replace(/\/+$/, '');
  if (path.isAbsolute(dirRel) || dirRel.split('/').includes('..') || dirRel === '' || dirRel === '.') {
    throw new InvalidArgumentsError(`--dir must be a folder inside the workspace, got '${dirRel}'`);
  }
  const parent = path.join(req.workspace, dirRel);
  const depth = dirRel.split('/').filter((x) => x !== '' && x !== '.').length;
  const packageDir = path.join(parent, req.name);
  if (existsSync(packageDir)) throw new InvalidArgumentsError(`${packageDir} already exists; refusing to overwrite it (pick another --name or remove it)`);
  if (existsSync(path.join(req.workspace, 'node_modules', ...forms.packageName.split('/')))) {
    throw new InvalidArgumentsError(`a package named ${forms.packageName} already exists in this workspace (node_modules/${forms.packageName}); pick another --name`);
  }
  if (existsSync(parent)) {
    for (const e of await readdir(parent, { withFileTypes: true })) {
      const pkg = path.join(parent, e.name, 'package.json');
      if (!e.isDirectory() || !existsSync(pkg)) continue;
      const other = (JSON.parse(await readFile(pkg, 'utf8')) as { name?: string }).name;
      if (other === forms.packageName) throw new InvalidArgumentsError(`${path.join(parent, e.name)} is already the package ${forms.packageName}; pick another --name`);
    }
  }
  const template = path.join(req.templatesDir, req.kind);
  if (!existsSync(path.join(template, 'package.json'))) throw new ConfigError(`template '${req.kind}' not found in ${req.templatesDir}`);

  await mkdir(parent, { recursive: true });
  const staging = path.join(parent, `.${req.name}.new-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  const files = await listFiles(template);
  try {
    for (const rel of files) {
      const src = path.join(template, rel);
      const dst = path.join(staging, substitutePlaceholders(rel, forms));
      await mkdir(path.dirname(dst), { recursive: true });
      if (/\.(ts|json|md|ya?ml|toml|txt)$/.test(rel)) {
        let text = substitutePlaceholders(await readFile(src, 'utf8'), forms);
        // Templates sit two levels below the workspace root, as plugins/<name> does; a deeper --dir needs more '../'.
        if (rel === 'tsconfig.json' && depth !== 1) text = text.replaceAll('"../../', `"${'../'.repeat(depth + 1)}`);
        await writeFile(dst, text);
      } else {
        await cp(src, dst);
      }
    }
    if (existsSync(packageDir)) throw new InvalidArgumentsError(`${packageDir} appeared while generating; refusing to overwrite it`);
    await rename(staging, packageDir);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }

  let tsconfigReference: string | undefined;
  const rootTsconfig = path.join(req.workspace, 'tsconfig.json');
  if ((req.registerReference ?? true) && existsSync(rootTsconfig) && (await stat(rootTsconfig)).isFile()) {
    const rel = `${dirRel}/${req.name}`;
    const { text, added } = addTsconfigReference(await readFile(rootTsconfig, 'utf8'), rel);
    if (added) { await writeFile(rootTsconfig, text); tsconfigReference = rel; }
  }
  return { packageDir, forms, files: files.map((f) => substitutePlaceholders(f, forms)), tsconfigReference };
}

/** `strata new plugin --kind K --name N [--dir plugins] [--scope @strata]`. */
export const newPluginCommand: CliCommand = {
  name: 'new',
  summary: `scaffold a plugin package from a template (kinds: ${TEMPLATE_KINDS.join(', ')})`,
  usage: 'strata new plugin --kind KIND --name NAME [--dir plugins] [--scope @strata] [--workspace DIR] [--templates DIR]',
  async run(args, io) {
    checkFlags(args, ['kind', 'name', 'dir', 'scope', 'workspace', 'templates'], 'new');
    const [what, extra] = args.positionals;
    if (what !== 'plugin' || extra !== undefined) throw new ConfigError(`usage: ${this.usage}`);
    const kind = flag(args, 'kind');
    const name = flag(args, 'name');
    if (!kind) throw new ConfigError(`strata new plugin: --kind is required (one of ${TEMPLATE_KINDS.join(', ')})`);
    if (!name) throw new ConfigError('strata new plugin: --name is required (lower-case kebab-case, e.g. protocol-lines)');
    const explicitWorkspace = flag(args, 'workspace');
    const workspace = explicitWorkspace ? path.resolve(explicitWorkspace) : findWorkspaceRoot(process.cwd());
    if (!workspace) throw new ConfigError('strata new plugin: no npm workspace found above the current directory (a package.json with "workspaces"); pass --workspace DIR');
    const templatesDir = findTemplatesDir(workspace, flag(args, 'templates'));
    const g = await generatePlugin({
      kind: kind as TemplateKind, name, dir: flag(args, 'dir'), scope: flag(args, 'scope'), workspace, templatesDir,
    });
    const rel = path.relative(workspace, g.packageDir) || '.';
    io.out(`Created ${g.forms.packageName} (${kind} plugin '${name}') in ${rel}/ — ${g.files.length} files:`);
    for (const f of g.files) io.out(`  ${rel}/${f}`);
    io.out(g.tsconfigReference ? `Added { "path": "${g.tsconfigReference}" } to tsconfig.json references.` : 'tsconfig.json references unchanged.');
    const parentRel = path.dirname(rel).split(path.sep).join('/');
    const workspaces = (JSON.parse(readFileSync(path.join(workspace, 'package.json'), 'utf8')) as { workspaces?: string[] | { packages?: string[] } }).workspaces;
    const globs = Array.isArray(workspaces) ? workspaces : workspaces?.packages ?? [];
    if (!globs.some((g) => g === `${parentRel}/*` || g === rel.split(path.sep).join('/'))) {
      io.out(`Note: package.json "workspaces" does not list ${parentRel}/* — add it so npm links ${g.forms.packageName}.`);
    }
    io.out('');
    io.out('Next steps:');
    io.out(`  1. npm install                 # links ${g.forms.packageName} into node_modules (the workspaces glob ${path.dirname(rel)}/*)`);
    io.out(`  2. npx tsc -b ${rel}    # builds it (and the kernel it references)`);
    io.out(`  3. npx mocha --no-config --exit '${rel}/dist/test/**/*.test.js'`);
    io.out(`  4. add it to a config and start:  plugins: [ ..., { use: ${g.forms.packageName} } ]  then  strata start --config strata.config.yaml`);
    io.out(`  See ${rel}/README.md for its options and docs/plugins.md for the plugin API.`);
    return 0;
  },
};
