import { o, type InferShape } from '@strata/kernel';

/** Options of the wal-local plugin (see README.md for the table). */
export const walLocalOptions = o.object({
  dir: o.string({
    default: 'wal',
    minLength: 1,
    description: 'Directory of the segment files; a relative path resolves against the server dataHome.',
  }),
  syncMode: o.enum(['always', 'interval', 'none'] as const, {
    default: 'always',
    description: "'always': an append resolves after fsync (group commit); 'interval': after the write, fsync every syncIntervalMs; 'none': after the write, never fsync (OS decides).",
  }),
  syncIntervalMs: o.duration({
    default: '1s',
    description: "How often 'interval' mode fsyncs ('200ms', '1s', or milliseconds).",
  }),
  segmentBytesMax: o.bytes({
    default: '64MiB',
    description: 'A segment file is sealed and a new one started when the next batch would pass this size.',
  }),
  payloadBytesMax: o.bytes({
    default: '128MiB',
    description: 'Largest payload one append may carry (at most 1GiB).',
  }),
});

export type WalLocalOptions = InferShape<typeof walLocalOptions.shape>;
