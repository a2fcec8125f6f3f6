import { o, type Infer } from '@strata/kernel';

/** Options of the `__NAME__` coprocessor plugin (README.md has the table). */
export const __CAMEL_NAME__Options = o.object({
  language: o.string({ default: '__NAME__', pattern: /^[a-z][a-z0-9_-]*$/, description: 'Language name the coprocessor answers to (Coprocessor.language).' }),
  maxSourceBytes: o.bytes({ default: '64KiB', description: 'Longest script accepted by compile.' }),
  maxRows: o.integer({ default: 1_000_000, min: 1, description: 'Input rows one run may process; more fails with RESOURCES_EXHAUSTED.' }),
  queryTimeout: o.duration({ default: '30s', description: "Time limit of a script's own `@sql` query (0 = none)." }),
});

export type __PASCAL_NAME__Options = Infer<typeof __CAMEL_NAME__Options>;
