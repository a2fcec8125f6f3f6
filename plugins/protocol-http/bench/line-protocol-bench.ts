/**
 * Line-protocol parser throughput on one core: `npm run bench -w plugins/protocol-http`
 * (after `npx tsc -b plugins/protocol-http`). Parses 5000-line batches for a
 * few seconds per shape and prints lines/s and MB/s. No assertions: the
 * figure is reported, not tested.
 */
import { LineProtocolParser } from '../src/influxdb/line-protocol-parser.js';

function shortLines(n: number): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`monitor,host=host_${i % 100} cpu=${(i % 1000) / 10},memory=${i % 977}.25 ${1667446797450 + i}`);
  return Buffer.from(lines.join('\n'));
}

/** TSBS cpu-only: 10 tags, 10 integer fields, nanosecond timestamps (~330 bytes a line). */
function tsbsCpuLines(n: number): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const h = i % 100;
    lines.push(`cpu,hostname=host_${h},region=eu-central-1,datacenter=eu-central-1a,rack=${h % 10},os=Ubuntu15.10,arch=x86,team=SF,service=${h % 20},service_version=${h % 2},service_environment=test `
      + `usage_user=${(i * 7) % 100}i,usage_system=${(i * 3) % 100}i,usage_idle=${(i * 11) % 100}i,usage_nice=${(i * 13) % 100}i,usage_iowait=${(i * 17) % 100}i,`
      + `usage_irq=${(i * 19) % 100}i,usage_softirq=${(i * 23) % 100}i,usage_guest=${(i * 29) % 100}i,usage_guest_nice=${(i * 31) % 100}i,usage_steal=${(i * 37) % 100}i `
      + `${1451606400000000000n + BigInt(i) * 10_000_000_000n}`);
  }
  return Buffer.from(lines.join('\n'));
}

function run(name: string, body: Buffer, lines: number, precision: 'ns' | 'ms', seconds: number, build: boolean): void {
  for (let w = 0; w < 100; w++) new LineProtocolParser({ precision }).parse(body);
  // CPU time of this process as well as wall time: on a shared machine the
  // wall-clock rate drops with other load, lines per CPU-second much less.
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let total = 0; let rounds = 0;
  while (process.hrtime.bigint() - start < BigInt(seconds * 1e9)) {
    const tables = new LineProtocolParser({ precision }).parse(body);
    if (build) for (const t of tables) t.build('public');
    total += lines; rounds++;
  }
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  const c = process.cpuUsage(cpu0);
  const cpuS = (c.user + c.system) / 1e6;
  console.log(`${name.padEnd(34)} ${Math.round(total / cpuS).toLocaleString('en-US').padStart(12)} lines/CPU-s  ${Math.round(total / s).toLocaleString('en-US').padStart(12)} lines/s wall  ${(body.length * rounds / cpuS / 1e6).toFixed(0).padStart(5)} MB/CPU-s  (${build ? 'parse + Arrow vectors' : 'parse only'})`);
}

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
for (const build of [false, true]) {
  run('short (1 tag, 2 float fields)', shortLines(5000), 5000, 'ms', seconds, build);
  run('TSBS cpu-only (10 tags, 10 int)', tsbsCpuLines(5000), 5000, 'ns', seconds, build);
}
