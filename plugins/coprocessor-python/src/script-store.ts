import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CorruptionError, StorageError, type StoredScript } from '@strata/kernel';

const FILE = 'scripts.json';
const FORMAT_VERSION = 1;

interface FileShape {
  readonly version: number;
  readonly scripts: StoredScript[];
}

/**
 * Stored scripts in one JSON file under the data home, replaced atomically
 * on every change (temp file, fsync, rename, directory fsync), so a crash
 * leaves either the old or the new set. Scripts are few and small; the whole
 * set is kept in memory.
 */
export class ScriptStore {
  private scripts = new Map<string, StoredScript>();
  /** Serializes writes so two submits never interleave their renames. */
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly dir: string, private readonly fsync = true) {}

  private static key(database: string, name: string): string {
    return `${database}\u0000${name}`;
  }

  async open(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    let text: string;
    try {
      text = await fs.readFile(path.join(this.dir, FILE), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new StorageError(`coprocessor-python: cannot read ${FILE}: ${(err as Error).message}`, { cause: err });
    }
    let parsed: FileShape;
    try {
      parsed = JSON.parse(text) as FileShape;
    } catch (err) {
      throw new CorruptionError(`coprocessor-python: ${path.join(this.dir, FILE)} is not valid JSON`, { cause: err });
    }
    // invariant checked where the file is read back, as where it is written
    if (parsed.version !== FORMAT_VERSION || !Array.isArray(parsed.scripts)) {
      throw new CorruptionError(`coprocessor-python: ${path.join(this.dir, FILE)} has an unknown format (version ${String(parsed.version)})`);
    }
    for (const s of parsed.scripts) {
      if (typeof s.database !== 'string' || typeof s.name !== 'string' || typeof s.source !== 'string') {
        throw new CorruptionError(`coprocessor-python: ${FILE} holds a malformed script entry`);
      }
      this.scripts.set(ScriptStore.key(s.database, s.name), s);
    }
  }

  get(database: string, name: string): StoredScript | undefined {
    return this.scripts.get(ScriptStore.key(database, name));
  }

  list(database?: string): StoredScript[] {
    return [...this.scripts.values()]
      .filter((s) => database === undefined || s.database === database)
      .sort((a, b) => (a.database === b.database ? a.name.localeCompare(b.name) : a.database.localeCompare(b.database)));
  }

  async put(script: StoredScript): Promise<void> {
    const k = ScriptStore.key(script.database, script.name);
    const before = this.scripts.get(k);
    this.scripts.set(k, script);
    try {
      await this.persist();
    } catch (err) {
      if (before) this.scripts.set(k, before); else this.scripts.delete(k);
      throw err;
    }
  }

  async delete(database: string, name: string): Promise<boolean> {
    const k = ScriptStore.key(database, name);
    const before = this.scripts.get(k);
    if (!before) return false;
    this.scripts.delete(k);
    try {
      await this.persist();
    } catch (err) {
      this.scripts.set(k, before);
      throw err;
    }
    return true;
  }

  private persist(): Promise<void> {
    const snapshot: FileShape = { version: FORMAT_VERSION, scripts: this.list() };
    const run = this.writing.then(() => this.write(snapshot));
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async write(snapshot: FileShape): Promise<void> {
    const target = path.join(this.dir, FILE);
    const tmp = path.join(this.dir, `.${FILE}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const fh = await fs.open(tmp, 'w');
      try {
        await fh.writeFile(JSON.stringify(snapshot, null, 1));
        if (this.fsync) await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.rename(tmp, target);
      if (this.fsync) {
        const dh = await fs.open(this.dir, 'r');
        try { await dh.sync(); } finally { await dh.close(); }
      }
    } catch (err) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw new StorageError(`coprocessor-python: cannot write ${target}: ${(err as Error).message}`, { cause: err });
    }
  }
}
