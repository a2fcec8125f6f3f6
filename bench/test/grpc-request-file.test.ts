import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import {
  decodeGreptimeRequest, decodeRowInsertRequests, frameMessage, IPC_END_OF_STREAM, messageCodec, recordBatchToInsertRequest,
  type GreptimeRequestMessage,
} from '@strata/protocol-grpc';
import { encodeRowInsertRequests } from '@strata/sdk';
import type { InsertRequest } from '@strata/kernel';
import { CPU_FIELD_KEYS, CPU_TAG_KEYS, TsbsCpuGenerator, type CpuBatch } from '../src/tsbs/tsbs-cpu-generator.js';
import {
  CPU_TIME_COLUMN, CpuRowInsertEncoder, cpuArrowBatch, encodeFlightBatch, flightPutHeader, writeGrpcRequestFile,
} from '../src/load/grpc-request-file.js';
import { readBatch } from '../src/load/line-file.js';

const gen = new TsbsCpuGenerator({ hosts: 7, hours: 0.1, seed: 42 }); // 36 epochs x 7 hosts = 252 rows
const firstBatch = (rows: number): CpuBatch => gen.batches(rows).next().value as CpuBatch;

/** The insert's columns as the batch's values, row by row (what the engine would get). */
function expectMatchesBatch(req: InsertRequest, batch: CpuBatch): void {
  expect(req.rowCount).to.equal(batch.length);
  expect(req.columns.map((c) => c.name)).to.deep.equal([...CPU_TAG_KEYS, CPU_TIME_COLUMN, ...CPU_FIELD_KEYS]);
  expect(req.columns.map((c) => c.semantic)).to.deep.equal([
    ...CPU_TAG_KEYS.map(() => 'tag'), 'timestamp', ...CPU_FIELD_KEYS.map(() => 'field'),
  ]);
  const col = (name: string) => req.columns.find((c) => c.name === name)!.vector;
  for (let i = 0; i < batch.length; i++) {
    const tags = gen.hostTags[batch.hostIndexes[i]!]!;
    CPU_TAG_KEYS.forEach((k, t) => expect(col(k).get(i), `${k} row ${i}`).to.equal(tags[t]));
    expect(Number(col(CPU_TIME_COLUMN).get(i)), `ts row ${i}`).to.equal(batch.timestampsMs[i]);
    CPU_FIELD_KEYS.forEach((k, f) => expect(col(k).get(i), `${k} row ${i}`).to.equal(batch.fields[f]![i]));
  }
  expect(arrow.DataType.isTimestamp(col(CPU_TIME_COLUMN).type)).to.equal(true);
  expect((col(CPU_TIME_COLUMN).type as arrow.Timestamp).unit).to.equal(arrow.TimeUnit.MILLISECOND);
  expect(arrow.DataType.isFloat(col(CPU_FIELD_KEYS[0]).type)).to.equal(true);
}

describe('gRPC request building (bench loaders)', () => {
  it('encodes a batch as a GreptimeRequest the server decodes to the batch rows, in database and table', () => {
    const batch = firstBatch(100);
    const buf = new CpuRowInsertEncoder(gen, 'cpu', 'benchdb').encode(batch);
    const msg = decodeGreptimeRequest(buf) as GreptimeRequestMessage;
    expect(msg.header?.dbname).to.equal('benchdb');
    expect(msg.request).to.equal('row_inserts');
    const inserts = decodeRowInsertRequests(msg.row_inserts_bytes!, 'benchdb');
    expect(inserts).to.have.length(1);
    expect(inserts[0]!.table).to.equal('cpu');
    expect(inserts[0]!.database).to.equal('benchdb');
    expectMatchesBatch(inserts[0]!, batch);
  });

  it('writes the same row-insert bytes as the SDK encoder for the same rows', () => {
    const batch = firstBatch(30);
    const rows = Array.from({ length: batch.length }, (_, i) => {
      const r: Record<string, string | number> = {};
      CPU_TAG_KEYS.forEach((k, t) => (r[k] = gen.hostTags[batch.hostIndexes[i]!]![t]!));
      r[CPU_TIME_COLUMN] = batch.timestampsMs[i]!;
      CPU_FIELD_KEYS.forEach((k, f) => (r[k] = batch.fields[f]![i]!));
      return r;
    });
    const sdk = encodeRowInsertRequests([{ table: 'cpu', tags: CPU_TAG_KEYS, timestamp: CPU_TIME_COLUMN, rows }]);
    const ours = decodeGreptimeRequest(new CpuRowInsertEncoder(gen).encode(batch)) as GreptimeRequestMessage;
    expect(Buffer.compare(ours.row_inserts_bytes!, sdk)).to.equal(0);
  });

  it('encodes a batch as one FlightData record batch that reads back with the put header schema as the cpu rows', () => {
    const batch = firstBatch(64);
    const fd = messageCodec<{ flight_descriptor?: { type?: number; path?: string[] }; data_header?: Buffer; data_body?: Buffer }>('arrow.flight.protocol.FlightData');
    const header = fd.decode(flightPutHeader(gen, 'cpu'));
    expect(header.flight_descriptor?.path).to.deep.equal(['cpu']);
    expect(header.flight_descriptor?.type).to.equal(1); // PATH
    const body = fd.decode(encodeFlightBatch(gen, batch));
    expect(body.flight_descriptor).to.equal(undefined);
    const stream = Buffer.concat([
      frameMessage(header.data_header!, new Uint8Array(0)), frameMessage(body.data_header!, body.data_body!), IPC_END_OF_STREAM,
    ]);
    const batches = arrow.RecordBatchReader.from(stream).readAll();
    expect(batches).to.have.length(1);
    // The server's own mapping of a DoPut batch to an insert (roles from the Arrow types).
    expectMatchesBatch(recordBatchToInsertRequest(batches[0]!, 'public', 'cpu'), batch);
    expect(cpuArrowBatch(gen, batch).numRows).to.equal(batch.length);
  });

  it('writes a request file whose batches cover every row once and read back as whole requests', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-bench-grpc-'));
    try {
      const enc = new CpuRowInsertEncoder(gen);
      const file = await writeGrpcRequestFile(gen, join(dir, 'cpu.grpc'), 100, (b) => enc.encode(b));
      expect(file.lines).to.equal(gen.rowCount);
      expect(file.batches.map((b) => b.lines)).to.deep.equal([100, 100, 52]);
      let offset = 0;
      for (const b of file.batches) {
        expect(b.offset).to.equal(offset);
        offset += b.bytes;
      }
      expect(offset).to.equal(file.bytes);
      const fh = await open(file.path, 'r');
      try {
        const expected = [...gen.batches(100)];
        for (let i = 0; i < file.batches.length; i++) {
          const msg = decodeGreptimeRequest(await readBatch(fh, file.batches[i]!)) as GreptimeRequestMessage;
          expectMatchesBatch(decodeRowInsertRequests(msg.row_inserts_bytes!, 'public')[0]!, expected[i]!);
        }
      } finally {
        await fh.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
