import { o, type InferShape } from '@strata/kernel';

/** Options of the store-fs plugin (see README.md for the table). */
export const storeFsOptions = o.object({
  root: o.string({
    default: 'store',
    minLength: 1,
    description: 'Directory that holds the objects; a relative path resolves against the server dataHome.',
  }),
  fsync: o.boolean({
    default: true,
    description: 'fsync each object and its directory before a put resolves. Turn off only for throwaway data.',
  }),
  pruneEmptyDirs: o.boolean({
    default: true,
    description: 'Remove directories left empty by delete, up to (not including) the root.',
  }),
  openFilesMax: o.integer({
    default: 64, min: 0, max: 65536,
    description: 'Files kept open for ranged gets (a get is then one read, not open + fstat + read + close); 0 = none. Objects must change only through this store.',
  }),
  deleteConcurrency: o.integer({
    default: 16, min: 1, max: 1024,
    description: 'How many files deleteMany removes at once.',
  }),
});

export type StoreFsOptions = InferShape<typeof storeFsOptions.shape>;
