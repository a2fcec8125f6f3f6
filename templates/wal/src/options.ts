import { o, type Infer } from '@strata/kernel';

/** Options of the `__NAME__` WAL plugin (README.md has the table). */
export const __CAMEL_NAME__Options = o.object({
  dir: o.string({ default: '__NAME__', minLength: 1, description: 'Directory of the log; a relative path resolves against the server dataHome.' }),
  sync: o.enum(['always', 'none'] as const, {
    default: 'always',
    description: "'always': an append resolves after fsync (concurrent appends share one); 'none': after the write only (throwaway data).",
  }),
  segmentBytesMax: o.bytes({ default: '16MiB', description: 'A region starts a new segment file past this size; obsolete deletes whole segments.' }),
  payloadBytesMax: o.bytes({ default: '64MiB', description: 'Largest single entry; larger appends are refused.' }),
});

export type __PASCAL_NAME__Options = Infer<typeof __CAMEL_NAME__Options>;
