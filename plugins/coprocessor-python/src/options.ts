import { o, type InferShape } from '@strata/kernel';

/** Options of the coprocessor-python plugin (see README.md for the table). */
export const coprocessorPythonOptions = o.object({
  workers: o.integer({
    default: 1, min: 1, max: 64,
    description: 'Worker threads, each with its own Pyodide (about 30 MB and 1.5 s to start); scripts run one per worker at a time.',
  }),
  timeoutMs: o.duration({
    default: '10s',
    description: 'Longest a script may run; it is then interrupted (KeyboardInterrupt), or its worker replaced if it does not stop.',
  }),
  interruptGraceMs: o.duration({
    default: '1s',
    description: 'How long an interrupted script has to stop before its worker is terminated and replaced.',
  }),
  memoryLimitBytes: o.bytes({
    default: '512MiB',
    description: "Cap on each worker's Python heap (WebAssembly memory) and JavaScript heap; a script that needs more fails with RESOURCES_EXHAUSTED.",
  }),
  startTimeoutMs: o.duration({
    default: '60s',
    description: 'Longest a worker may take to load Pyodide before start-up fails.',
  }),
  wheelsDir: o.string({
    optional: true,
    description: 'Directory of extra pure-Python wheels (*.whl) installed in every worker at start; nothing is fetched from the network.',
  }),
  dir: o.string({
    default: 'scripts',
    minLength: 1,
    description: 'Where stored scripts live (scripts.json), relative to the server dataHome.',
  }),
  fsync: o.boolean({
    default: true,
    description: 'fsync the scripts file (and the triggers file) and its directory on every change.',
  }),
  triggerQueueLength: o.integer({
    default: 64, min: 1, max: 1_000_000,
    description: 'Written batches a table trigger may hold waiting to run; further writes are not given to it (dropped and counted, never blocking ingest).',
  }),
  triggerBatchRows: o.integer({
    default: 65_536, min: 1, max: 100_000_000,
    description: 'Most rows of queued batches (same table and columns) a table trigger receives in one run.',
  }),
  triggerLogLength: o.integer({
    default: 1000, min: 0, max: 1_000_000,
    description: 'Lines kept in the in-memory trigger log (information_schema.script_trigger_logs).',
  }),
});

export type CoprocessorPythonOptions = InferShape<typeof coprocessorPythonOptions.shape>;
