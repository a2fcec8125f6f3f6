import { o, type Infer } from '@strata/kernel';

/** Options of the `__NAME__` store plugin (README.md has the table). */
export const __CAMEL_NAME__Options = o.object({
  root: o.string({ default: '__NAME__', minLength: 1, description: 'Directory of the objects; a relative path resolves against the server dataHome.' }),
  fsync: o.boolean({ default: true, description: 'fsync the file and its directory before a put resolves (off only for throwaway data).' }),
});

export type __PASCAL_NAME__Options = Infer<typeof __CAMEL_NAME__Options>;
