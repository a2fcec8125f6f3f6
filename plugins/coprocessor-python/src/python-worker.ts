/*
 * A worker thread with its own Pyodide. It loads Pyodide once, installs the
 * `greptime` module and the runner, then serves describe/run requests one at
 * a time. Limits:
 *  - memory: WebAssembly.Memory.prototype.grow is capped before Pyodide
 *    loads, so Python's allocator sees a full heap and raises MemoryError
 *    (the JavaScript heap is capped separately by the worker's resourceLimits);
 *  - time: the main thread writes SIGINT into Pyodide's interrupt buffer
 *    (KeyboardInterrupt in the script) and terminates the worker if the
 *    script does not stop.
 * query() inside a script blocks this thread on Atomics.wait until the main
 * thread has run the SQL and posted the columns on the query port.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import type { WireColumn } from './column-codec.js';
import type { FromWorker, QueryAnswer, ScriptFailure, ToWorker, WorkerInit } from './worker-protocol.js';

const init = workerData as WorkerInit & { queryPort: MessagePort };
const port = parentPort!;

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

// Cap the Python heap. Emscripten grows the heap through this method and
// treats an exception as "out of memory" (malloc returns NULL).
interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
const MemoryProto = (globalThis as unknown as { WebAssembly: { Memory: { prototype: WasmMemory } } }).WebAssembly.Memory.prototype;
const originalGrow = MemoryProto.grow;
MemoryProto.grow = function grow(this: WasmMemory, pages: number): number {
  if (this.buffer.byteLength + pages * 65536 > init.memoryLimitBytes) {
    throw new RangeError(`memory limit of ${init.memoryLimitBytes} bytes reached`);
  }
  return originalGrow.call(this, pages);
};

type Py = Awaited<ReturnType<typeof import('pyodide').loadPyodide>>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type PyProxyAny = any;

let py: Py;
let runner: PyProxyAny;
const queryFlag = new Int32Array(init.queryFlag);
const interrupt = new Uint8Array(init.interrupt);

async function start(): Promise<void> {
  const t0 = performance.now();
  const { loadPyodide, version } = await import('pyodide');
  py = await loadPyodide({
    indexURL: init.indexURL,
    stdout: (text: string) => post({ type: 'stdout', text }),
    stderr: (text: string) => post({ type: 'stdout', text }),
  });
  py.FS.mkdirTree('/strata');
  for (const f of ['greptime.py', 'strata_runner.py']) {
    py.FS.writeFile(`/strata/${f}`, fs.readFileSync(path.join(init.pythonDir, f), 'utf8'));
  }
  if (init.wheelsDir) {
    // extra packages come only from this local directory: nothing is fetched
    for (const f of fs.readdirSync(init.wheelsDir).filter((x) => x.endsWith('.whl')).sort()) {
      const bytes = fs.readFileSync(path.join(init.wheelsDir, f));
      py.unpackArchive(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'wheel');
    }
  }
  py.runPython("import sys\nif '/strata' not in sys.path: sys.path.insert(0, '/strata')");
  runner = py.pyimport('strata_runner');
  py.setInterruptBuffer(interrupt);
  post({ type: 'ready', startMs: Math.round(performance.now() - t0), version });
}

function toJsDict(proxy: PyProxyAny): unknown {
  return proxy.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
}

/** query() from a script: ask the main thread, block until it answers. */
function syncQuery(sql: string): unknown {
  Atomics.store(queryFlag, 0, 0);
  // drop any stale answer left by a previous, timed-out call
  while (receiveMessageOnPort(init.queryPort)) { /* discard */ }
  // The time limit may have passed while the script was on its way here: the main thread set
  // the interrupt and woke a query() not yet waiting (the store above undid that wake-up).
  // Waiting now would outlast the interrupt grace and cost the worker; stop instead.
  if (Atomics.load(interrupt, 0) !== 0) throw new Error('query() not sent: the script is past its time limit');
  init.queryPort.postMessage({ sql });
  const r = Atomics.wait(queryFlag, 0, 0, init.queryTimeoutMs);
  const msg = receiveMessageOnPort(init.queryPort);
  if (r === 'timed-out' || !msg) throw new Error(`query() got no answer within ${init.queryTimeoutMs} ms`);
  const answer = msg.message as QueryAnswer;
  if ('error' in answer) throw new Error(answer.error);
  return answer;
}

function crash(err: unknown): ScriptFailure {
  return { error: 'crash', message: err instanceof Error ? err.message : String(err), line: null };
}

function handle(msg: ToWorker): void {
  // an interrupt aimed at the previous request (its timeout raced its answer) must not hit this one
  interrupt[0] = 0;
  if (msg.type === 'describe') {
    let res: PyProxyAny;
    try {
      res = runner.describe(msg.name, msg.source);
      const out = toJsDict(res) as Record<string, unknown>;
      if (out.error) post({ type: 'described', id: msg.id, failure: out as unknown as ScriptFailure });
      else post({ type: 'described', id: msg.id, signature: out as never });
    } catch (err) {
      post({ type: 'described', id: msg.id, failure: crash(err) });
    } finally {
      res?.destroy?.();
    }
    return;
  }
  let res: PyProxyAny;
  try {
    res = runner.run(msg.name, msg.source, msg.columns, msg.params, msg.rowCount, syncQuery);
    const err = res.get('error');
    if (err !== undefined) {
      const out = toJsDict(res) as unknown as ScriptFailure;
      post({ type: 'ran', id: msg.id, failure: out });
      return;
    }
    const cols = res.get('columns');
    const columns: WireColumn[] = [];
    const transfer: ArrayBuffer[] = [];
    for (let i = 0; i < cols.length; i++) {
      const c = cols.get(i);
      const data = c.get('data');
      const name = c.get('name') as string;
      const type = c.get('type') as WireColumn['type'];
      if (c.get('buffer')) {
        // numeric column: one copy out of the Python heap
        const buf = data.getBuffer();
        try {
          const copy = (buf.data as { slice(): ArrayBufferView }).slice();
          columns.push({ name, type, data: copy });
          transfer.push(copy.buffer as ArrayBuffer);
        } finally {
          buf.release();
        }
      } else {
        columns.push({ name, type, data: data.toJs({ create_pyproxies: false }) as unknown[] });
      }
      data.destroy?.();
      c.destroy();
    }
    const rowCount = res.get('rows') as number;
    cols.destroy();
    post({ type: 'ran', id: msg.id, columns, rowCount }, transfer);
  } catch (err) {
    post({ type: 'ran', id: msg.id, failure: crash(err) });
  } finally {
    res?.destroy?.();
  }
}

start().then(() => {
  port.on('message', (m: ToWorker) => handle(m));
}, (err: unknown) => {
  post({ type: 'start-failed', message: err instanceof Error ? err.stack ?? err.message : String(err) });
});
