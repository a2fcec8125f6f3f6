import type { StoredScript } from '@strata/kernel';
import { NamedJsonStore } from './named-json-store.js';

/**
 * Stored scripts in `scripts.json` under the data home, replaced atomically
 * on every change (see NamedJsonStore), so a crash leaves either the old or
 * the new set.
 */
export class ScriptStore extends NamedJsonStore<StoredScript> {
  constructor(dir: string, fsync = true) {
    super(dir, {
      file: 'scripts.json',
      listKey: 'scripts',
      version: 1,
      noun: 'script',
      valid: (s) => typeof s.database === 'string' && typeof s.name === 'string' && typeof s.source === 'string',
    }, fsync);
  }
}
