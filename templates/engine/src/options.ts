import { o, type Infer } from '@strata/kernel';

/** Options of the `__NAME__` engine plugin (README.md has the table). */
export const __CAMEL_NAME__Options = o.object({
  prefix: o.string({ default: '__NAME__', minLength: 1, description: 'Object-store key prefix of the snapshots: `<prefix>/<region>/snapshot.json`.' }),
  regionRowsMax: o.integer({ default: 1_000_000, min: 1, description: 'Rows one region may hold in memory; a write past it fails with RESOURCES_EXHAUSTED.' }),
  batchRows: o.integer({ default: 4096, min: 1, description: 'Rows per scanned batch when the caller does not ask for a size.' }),
});

export type __PASCAL_NAME__Options = Infer<typeof __CAMEL_NAME__Options>;
