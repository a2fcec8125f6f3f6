import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CorruptionError, StorageError } from '@strata/kernel';

/** What a NamedJsonStore keeps: anything named within a database. */
export interface Named {
  readonly database: string;
  readonly name: string;
}

/** How one kind of entry is stored: its file, the JSON key of its list, its invariant. */
export interface NamedJsonStoreFormat<T extends Named> {
  /** File name under the store's directory, e.g. `scripts.json`. */
  readonly file: string;
  /** Key of the entry list in the file, e.g. `scripts`. */
  readonly listKey: string;
  readonly version: number;
  /** Entry kind in error messages, e.g. `script`. */
  readonly noun: string;
  readonly valid: (entry: T) => boolean;
}

function key(database: string, name: string): string {
  return `${database}\u0000${name}`;
}

/**
 * Named entries (scripts, triggers) in one JSON file under the data home,
 * replaced atomically on every change (temp file, fsync, rename, directory
 * fsync), so a crash leaves either the old or the new set, never a torn
 * file. The entries are few and small: the whole set is kept in memory; a
 * change whose write fails is rolled back in memory too.
 */
export class NamedJsonStore<T extends Named> {
  private entries = new Map<string, T>();
  /** Serializes writes so two changes never interleave their renames. */
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly dir: string, private readonly format: NamedJsonStoreFormat<T>, private readonly fsync = true) {}

  get file(): string {
    return path.join(this.dir, this.format.file);
  }

  async open(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new StorageError(`coprocessor-python: cannot read ${this.file}: ${(err as Error).message}`, { cause: err });
    }
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new CorruptionError(`coprocessor-python: ${this.file} is not valid JSON`, { cause: err });
    }
    // the invariants checked where the file is written are checked again where it is read back
    const list = parsed[this.format.listKey];
    if (parsed.version !== this.format.version || !Array.isArray(list)) {
      throw new CorruptionError(`coprocessor-python: ${this.file} has an unknown format (version ${String(parsed.version)})`);
    }
    for (const entry of list as T[]) {
      if (!this.format.valid(entry)) throw new CorruptionError(`coprocessor-python: ${this.file} holds a malformed ${this.format.noun} entry`);
      this.entries.set(key(entry.database, entry.name), entry);
    }
  }

  get(database: string, name: string): T | undefined {
    return this.entries.get(key(database, name));
  }

  /** Entries of one database, or of all, sorted by (database, name). */
  list(database?: string): T[] {
    return [...this.entries.values()]
      .filter((e) => database === undefined || e.database === database)
      .sort((a, b) => (a.database === b.database ? a.name.localeCompare(b.name) : a.database.localeCompare(b.database)));
  }

  async put(entry: T): Promise<void> {
    if (!this.format.valid(entry)) {
      throw new StorageError(`coprocessor-python: refusing to store a malformed ${this.format.noun} ${entry.database}.${entry.name}`);
    }
    const k = key(entry.database, entry.name);
    const before = this.entries.get(k);
    this.entries.set(k, entry);
    try {
      await this.persist();
    } catch (err) {
      if (before) this.entries.set(k, before); else this.entries.delete(k);
      throw err;
    }
  }

  /** True when an entry was deleted. */
  async delete(database: string, name: string): Promise<boolean> {
    const k = key(database, name);
    const before = this.entries.get(k);
    if (!before) return false;
    this.entries.delete(k);
    try {
      await this.persist();
    } catch (err) {
      this.entries.set(k, before);
      throw err;
    }
    return true;
  }

  private persist(): Promise<void> {
    const snapshot = { version: this.format.version, [this.format.listKey]: this.list() };
    const run = this.writing.then(() => this.write(snapshot));
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async write(snapshot: object): Promise<void> {
    const tmp = path.join(this.dir, `.${this.format.file}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const fh = await fs.open(tmp, 'w');
      try {
        await fh.writeFile(JSON.stringify(snapshot, null, 1));
        if (this.fsync) await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.rename(tmp, this.file);
      if (this.fsync) {
        const dh = await fs.open(this.dir, 'r');
        try { await dh.sync(); } finally { await dh.close(); }
      }
    } catch (err) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw new StorageError(`coprocessor-python: cannot write ${this.file}: ${(err as Error).message}`, { cause: err });
    }
  }
}
