import { ObjectNotFoundError, type ByteRange, type ObjectMeta, type ObjectStore } from '../../src/index.js';

/** A test-only ObjectStore in memory that honours the contract (atomic put, ordered list, missing get rejects). */
export class MemoryObjectStore implements ObjectStore {
  readonly name = 'memory';
  readonly objects = new Map<string, { data: Uint8Array; mtime: number }>();

  async put(key: string, data: Uint8Array): Promise<void> {
    this.objects.set(key, { data: new Uint8Array(data), mtime: Date.now() });
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    const o = this.objects.get(key);
    if (!o) throw new ObjectNotFoundError(key);
    if (!range) return new Uint8Array(o.data);
    return o.data.slice(range.offset, range.length === undefined ? undefined : range.offset + range.length);
  }

  async head(key: string): Promise<ObjectMeta | undefined> {
    const o = this.objects.get(key);
    return o ? { key, size: o.data.length, lastModifiedMs: o.mtime } : undefined;
  }

  async *list(prefix: string): AsyncIterable<ObjectMeta> {
    for (const key of [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort()) {
      const o = this.objects.get(key)!;
      yield { key, size: o.data.length, lastModifiedMs: o.mtime };
    }
  }

  async delete(key: string): Promise<void> { this.objects.delete(key); }
  async deleteMany(keys: readonly string[]): Promise<void> { for (const k of keys) this.objects.delete(k); }
}
