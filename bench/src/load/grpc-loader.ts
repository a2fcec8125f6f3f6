import { open } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import { messageCodec } from '@strata/protocol-grpc';
import { ProgressBar } from '../util/progress-bar.js';
import type { LoadResult } from './http-line-loader.js';
import { readBatch, type LineFile } from './line-file.js';

export interface GrpcLoadOptions {
  label: string;
  /** `host:port` of the gRPC server. */
  address: string;
  /** Pre-encoded request bodies (writeGrpcRequestFile). */
  file: LineFile;
  workers: number;
  fieldsPerRow: number;
  database?: string;
  deadlineMs?: number;
}

export interface FlightLoadOptions extends GrpcLoadOptions {
  /** The first FlightData of each DoPut stream (descriptor + schema), flightPutHeader. */
  putHeader: Buffer;
}

const identity = (b: Buffer): Buffer => b;

// Requests are pre-encoded bytes, so the method definitions pass Buffers
// through; only the (small) answers are decoded.
function definitions(): grpc.ServiceDefinition {
  const response = messageCodec<{ affected_rows?: { value?: number } }>('greptime.v1.GreptimeResponse');
  const put = messageCodec<{ app_metadata?: Buffer }>('arrow.flight.protocol.PutResult');
  return {
    Handle: {
      path: '/greptime.v1.GreptimeDatabase/Handle', requestStream: false, responseStream: false,
      requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity,
      responseDeserialize: (b: Buffer) => response.decode(b),
    },
    DoPut: {
      path: '/arrow.flight.protocol.FlightService/DoPut', requestStream: true, responseStream: true,
      requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity,
      responseDeserialize: (b: Buffer) => put.decode(b),
    },
  } as grpc.ServiceDefinition;
}

type RawClient = grpc.Client & {
  Handle(req: Buffer, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: { affected_rows?: { value?: number } }) => void): void;
  DoPut(md: grpc.Metadata): grpc.ClientDuplexStream<Buffer, { app_metadata?: Buffer }>;
};

function makeClient(address: string): RawClient {
  const Ctor = grpc.makeGenericClientConstructor(definitions(), 'StrataBench');
  const size = 512 * 1024 * 1024;
  return new Ctor(address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': size, 'grpc.max_send_message_length': size,
  }) as unknown as RawClient;
}

/** Batches a DoPut writer sends before waiting for the oldest ack (see loadArrowOverFlight). */
export const FLIGHT_BATCHES_AHEAD = 1;

/** Transient refusals, retried after a pause like the HTTP loader's 429/503. */
const RETRYABLE = new Set([grpc.status.UNAVAILABLE, grpc.status.RESOURCE_EXHAUSTED]);

function finish(file: LineFile, fieldsPerRow: number, started: number, requests: number, retries: number, bar: ProgressBar, how: string): LoadResult {
  const elapsedMs = performance.now() - started;
  const rows = file.lines;
  const result: LoadResult = {
    rows, metrics: rows * fieldsPerRow, elapsedMs,
    rowsPerSec: rows / (elapsedMs / 1000), metricsPerSec: (rows * fieldsPerRow) / (elapsedMs / 1000),
    requests, retries,
  };
  bar.finish(`${Math.round(result.rowsPerSec)} rows/s, ${Math.round(result.metricsPerSec)} metrics/s over ${how}`);
  return result;
}

/**
 * Sends the file's GreptimeRequests (row inserts) with GreptimeDatabase/Handle,
 * `workers` calls in flight on one HTTP/2 channel, each writer taking the
 * next batch when its last call was answered (as the HTTP loader does).
 * Each answer's affected_rows is checked against the batch's rows.
 */
export async function loadRowInsertsOverGrpc(opts: GrpcLoadOptions): Promise<LoadResult> {
  const fh = await open(opts.file.path, 'r');
  const client = makeClient(opts.address);
  const md = new grpc.Metadata();
  md.set('x-greptime-db-name', opts.database ?? 'public');
  const bar = new ProgressBar(opts.label, opts.file.lines);
  let next = 0;
  let requests = 0;
  let retries = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= opts.file.batches.length) return;
      if (opts.deadlineMs !== undefined && Date.now() > opts.deadlineMs) throw new Error('run deadline passed during load');
      const b = opts.file.batches[i]!;
      const body = await readBatch(fh, b);
      for (let attempt = 0; ; attempt++) {
        requests++;
        try {
          const res = await new Promise<{ affected_rows?: { value?: number } }>((resolve, reject) => {
            client.Handle(body, md, { deadline: Date.now() + 300_000 }, (err, r) => (err ? reject(err) : resolve(r ?? {})));
          });
          const affected = Number(res.affected_rows?.value ?? 0);
          if (affected !== b.lines) throw new Error(`${opts.label}: batch ${i}: server acknowledged ${affected} of ${b.lines} rows`);
          break;
        } catch (err) {
          const e = err as grpc.ServiceError;
          if (typeof e.code === 'number' && RETRYABLE.has(e.code) && attempt < 100) {
            retries++;
            await new Promise((r) => setTimeout(r, 200));
            continue;
          }
          if (typeof e.code === 'number') throw new Error(`${opts.label}: write of batch ${i} failed: ${grpc.status[e.code]} ${e.details}`, { cause: err });
          throw err;
        }
      }
      bar.tick(b.lines);
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.workers }, worker));
  } finally {
    client.close();
    await fh.close();
  }
  return finish(opts.file, opts.fieldsPerRow, started, requests, retries, bar, 'gRPC row inserts');
}

/**
 * Sends the file's Arrow record batches with Flight DoPut: one stream per
 * writer (descriptor PATH [table] + schema first). Each writer keeps one
 * batch ahead of the server's PutResults (its reader needs the next
 * message's bytes before it answers a batch), so up to 2 x `workers`
 * batches are in flight, against `workers` for the other loaders.
 */
export async function loadArrowOverFlight(opts: FlightLoadOptions): Promise<LoadResult> {
  const fh = await open(opts.file.path, 'r');
  const client = makeClient(opts.address);
  const md = new grpc.Metadata();
  md.set('x-greptime-db-name', opts.database ?? 'public');
  const bar = new ProgressBar(opts.label, opts.file.lines);
  let next = 0;
  let requests = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    const call = client.DoPut(md);
    const waiting: Array<{ resolve: (affected: number) => void; reject: (e: Error) => void }> = [];
    let failed: Error | undefined;
    const ended = new Promise<void>((resolve, reject) => {
      call.on('end', resolve);
      call.on('error', (err: grpc.ServiceError) => {
        failed = new Error(`${opts.label}: DoPut failed: ${grpc.status[err.code] ?? err.code} ${err.details}`, { cause: err });
        for (const w of waiting.splice(0)) w.reject(failed);
        reject(failed);
      });
    });
    ended.catch(() => undefined); // observed below
    call.on('data', (r: { app_metadata?: Buffer }) => {
      const meta = JSON.parse((r.app_metadata ?? Buffer.alloc(0)).toString('utf8') || '{}') as { affected_rows?: number };
      waiting.shift()?.resolve(Number(meta.affected_rows ?? 0));
    });
    call.write(opts.putHeader);
    // Acks still to come, oldest first, with the rows each should report.
    const pending: Array<{ ack: Promise<number>; rows: number; index: number }> = [];
    const settleOldest = async (): Promise<void> => {
      const p = pending.shift()!;
      const affected = await p.ack;
      if (affected !== p.rows) throw new Error(`${opts.label}: batch ${p.index}: server acknowledged ${affected} of ${p.rows} rows`);
      bar.tick(p.rows);
    };
    try {
      for (;;) {
        const i = next++;
        if (i >= opts.file.batches.length) break;
        if (failed) throw failed;
        if (opts.deadlineMs !== undefined && Date.now() > opts.deadlineMs) throw new Error('run deadline passed during load');
        const b = opts.file.batches[i]!;
        const body = await readBatch(fh, b);
        const ack = new Promise<number>((resolve, reject) => waiting.push({ resolve, reject }));
        ack.catch(() => undefined); // observed by settleOldest
        pending.push({ ack, rows: b.lines, index: i });
        requests++;
        call.write(body);
        // The server's Arrow stream reader answers batch N only once the
        // bytes of N+1 (or the end of the stream) arrived, so a writer keeps
        // one batch ahead; waiting for each ack first would deadlock.
        if (pending.length > FLIGHT_BATCHES_AHEAD) await settleOldest();
      }
      call.end();
      while (pending.length > 0) await settleOldest();
    } catch (err) {
      call.cancel();
      throw err;
    }
    await ended;
  };
  try {
    await Promise.all(Array.from({ length: opts.workers }, worker));
  } finally {
    client.close();
    await fh.close();
  }
  return finish(opts.file, opts.fieldsPerRow, started, requests, 0, bar, 'Flight DoPut');
}
