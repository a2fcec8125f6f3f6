import type * as arrow from 'apache-arrow';
import {
  InvalidArgumentsError, fromArrowType, type QueryOutput, type ResultColumn, type ScriptService, type ScriptSignature,
  type Session, type StoredScript,
} from '@strata/kernel';
import { ScriptNotFoundError } from './errors.js';
import type { PythonCoprocessor } from './python-coprocessor.js';
import type { ScriptStore } from './script-store.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Turns a script's result table into the output shape QueryService.execute yields. */
export function tableToOutput(table: arrow.Table): QueryOutput {
  const columns: ResultColumn[] = table.schema.fields.map((f) => ({ name: f.name, type: fromArrowType(f.type) }));
  const batches = table.batches;
  return {
    kind: 'records',
    columns,
    schema: table.schema,
    batches: (async function* () { yield* batches; })(),
  };
}

/**
 * Stored scripts: compiled on submit (so a broken script is refused with its
 * line number), kept in the script store, run by name.
 */
export class PythonScriptService implements ScriptService {
  constructor(private readonly copr: PythonCoprocessor, private readonly store: ScriptStore) {}

  async submit(database: string, name: string, source: string): Promise<ScriptSignature> {
    if (!database) throw new InvalidArgumentsError('a script needs a database (db=)');
    if (!NAME.test(name)) throw new InvalidArgumentsError(`invalid script name ${JSON.stringify(name)}: use letters, digits and _ . -`);
    const signature = await this.copr.compile(name, source);
    const now = Date.now();
    const before = this.store.get(database, name);
    await this.store.put({
      database, name, source, signature, language: 'python', createdAtMs: before?.createdAtMs ?? now, updatedAtMs: now,
    });
    return signature;
  }

  async run(database: string, name: string, params: Readonly<Record<string, string>>, session: Session): Promise<QueryOutput> {
    const script = this.store.get(database, name);
    if (!script) throw new ScriptNotFoundError(database, name);
    const runSession = session.database === database ? session : { ...session, database };
    const table = await this.copr.runCompiled(name, script.source, script.signature, undefined, params, runSession);
    return tableToOutput(table);
  }

  async list(database?: string): Promise<StoredScript[]> {
    return this.store.list(database);
  }

  async get(database: string, name: string): Promise<StoredScript | undefined> {
    return this.store.get(database, name);
  }

  async delete(database: string, name: string): Promise<boolean> {
    return this.store.delete(database, name);
  }
}
