import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CorruptionError, StorageError, type TriggerErrorBehavior } from '@strata/kernel';

const FILE = 'triggers.json';
const FORMAT_VERSION = 1;

/** A trigger as stored: its definition, not its counters (those restart at zero). */
export interface StoredTrigger {
  readonly database: string;
  readonly name: string;
  readonly script: string;
  /** Canonical spec text (table:cpu, every:10s, cron:..., request:...). */
  readonly spec: string;
  readonly args: Readonly<Record<string, string>>;
  readonly disabled: boolean;
  readonly errorBehavior: TriggerErrorBehavior;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

interface FileShape {
  readonly version: number;
  readonly triggers: StoredTrigger[];
}

function key(database: string, name: string): string {
  return `${database}\u0000${name}`;
}

function valid(t: StoredTrigger): boolean {
  return typeof t.database === 'string' && typeof t.name === 'string' && typeof t.script === 'string' && typeof t.spec === 'string'
    && typeof t.disabled === 'boolean' && (t.errorBehavior === 'log' || t.errorBehavior === 'disable')
    && typeof t.args === 'object' && t.args !== null && Object.values(t.args).every((v) => typeof v === 'string')
    && Number.isFinite(t.createdAtMs) && Number.isFinite(t.updatedAtMs);
}

/**
 * Trigger definitions in `triggers.json` next to the stored scripts, replaced
 * atomically on every change (temp file, fsync, rename, directory fsync), so
 * a crash leaves the old or the new set, never a torn file. Few and small:
 * the whole set is kept in memory.
 */
export class TriggerStore {
  private triggers = new Map<string, StoredTrigger>();
  /** Serializes writes so two changes never interleave their renames. */
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly dir: string, private readonly fsync = true) {}

  get file(): string {
    return path.join(this.dir, FILE);
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
    let parsed: FileShape;
    try {
      parsed = JSON.parse(text) as FileShape;
    } catch (err) {
      throw new CorruptionError(`coprocessor-python: ${this.file} is not valid JSON`, { cause: err });
    }
    // the invariants checked where the file is written are checked again where it is read back
    if (parsed.version !== FORMAT_VERSION || !Array.isArray(parsed.triggers)) {
      throw new CorruptionError(`coprocessor-python: ${this.file} has an unknown format (version ${String(parsed.version)})`);
    }
    for (const t of parsed.triggers) {
      if (!valid(t)) throw new CorruptionError(`coprocessor-python: ${this.file} holds a malformed trigger entry`);
      this.triggers.set(key(t.database, t.name), t);
    }
  }

  get(database: string, name: string): StoredTrigger | undefined {
    return this.triggers.get(key(database, name));
  }

  list(database?: string): StoredTrigger[] {
    return [...this.triggers.values()]
      .filter((t) => database === undefined || t.database === database)
      .sort((a, b) => (a.database === b.database ? a.name.localeCompare(b.name) : a.database.localeCompare(b.database)));
  }

  async put(trigger: StoredTrigger): Promise<void> {
    if (!valid(trigger)) throw new StorageError(`coprocessor-python: refusing to store a malformed trigger ${trigger.database}.${trigger.name}`);
    const k = key(trigger.database, trigger.name);
    const before = this.triggers.get(k);
    this.triggers.set(k, trigger);
    try {
      await this.persist();
    } catch (err) {
      if (before) this.triggers.set(k, before); else this.triggers.delete(k);
      throw err;
    }
  }

  async delete(database: string, name: string): Promise<boolean> {
    const k = key(database, name);
    const before = this.triggers.get(k);
    if (!before) return false;
    this.triggers.delete(k);
    try {
      await this.persist();
    } catch (err) {
      this.triggers.set(k, before);
      throw err;
    }
    return true;
  }

  private persist(): Promise<void> {
    const snapshot: FileShape = { version: FORMAT_VERSION, triggers: this.list() };
    const run = this.writing.then(() => this.write(snapshot));
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async write(snapshot: FileShape): Promise<void> {
    const tmp = path.join(this.dir, `.${FILE}.${randomBytes(6).toString('hex')}.tmp`);
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
