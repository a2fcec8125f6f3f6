import { StorageError, type ByteRange, type ObjectMeta, type ObjectStore } from '@strata/kernel';

/** A test-only in-memory object store. */
export class MemoryStore implements ObjectStore {
  readonly name = 'memory-store';
  readonly objects = new Map<string, Uint8Array>();
  gets = 0;
  /** When set, every put fails (an outage). */
  failPuts = false;

  async put(key: string, data: Uint8Array): Promise<void> {
    if (this.failPuts) throw new StorageError(`put failed: ${key}`);
    this.objects.set(key, data.slice());
  }

  /** When set, every get fails (an outage). */
  failGets = false;
  rangedGets = 0;
  wholeSstGets = 0;
  bytesRead = 0;

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    if (this.failGets) throw new StorageError(`get failed: ${key}`);
    if (range) this.rangedGets++; else if (key.endsWith('.parquet')) this.wholeSstGets++;
    this.bytesRead += range?.length ?? o_len(this.objects.get(key));
    const o = this.objects.get(key);
    if (!o) throw new StorageError(`object not found: ${key}`);
    this.gets++;
    if (!range) return o;
    return o.subarray(range.offset, range.length === undefined ? undefined : range.offset + range.length);
  }

  async head(key: string): Promise<ObjectMeta | undefined> {
    const o = this.objects.get(key);
    return o ? { key, size: o.length, lastModifiedMs: 0 } : undefined;
  }

  async *list(prefix: string): AsyncIterable<ObjectMeta> {
    for (const k of [...this.objects.keys()].sort()) if (k.startsWith(prefix)) yield { key: k, size: this.objects.get(k)!.length, lastModifiedMs: 0 };
  }

  async delete(key: string): Promise<void> { this.objects.delete(key); }
  async deleteMany(keys: readonly string[]): Promise<void> { for (const k of keys) this.objects.delete(k); }
}

function o_len(o: Uint8Array | undefined): number { return o?.length ?? 0; }
