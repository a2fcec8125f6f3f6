import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROTOCOL, StrataServer, type WalEntry } from '@strata/kernel';
import walLocal from '@strata/wal-local';
import { QUORUM_WAL_DEFAULTS, QuorumWal, WalNodeServer, walNodePlugin, type QuorumWalOptions } from '../src/index.js';

/** One in-process WAL node: a Strata server of wal-local + wal-node on 127.0.0.1. */
export class TestNode {
  server: StrataServer | undefined;
  node: WalNodeServer | undefined;
  port = 0;
  constructor(readonly dir: string) {}

  get address(): string { return `127.0.0.1:${this.port}`; }

  /** Starts (or restarts, on the same port and data) the node. */
  async start(): Promise<this> {
    this.server = await StrataServer.fromDefinitions([
      { definition: walLocal, options: { dir: 'wal', syncMode: 'always' } },
      { definition: walNodePlugin, options: { host: '127.0.0.1', port: this.port, metaDir: 'wal-node' } },
    ], { dataHome: this.dir }, { logLevel: 'silent', processMetrics: false });
    await this.server.start();
    this.node = this.server.getAll(PROTOCOL).find((p): p is WalNodeServer => p instanceof WalNodeServer)!;
    this.port = this.node.addresses()[0]!.port;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    this.node = undefined;
    await s?.stop();
  }
}

export interface Cluster { root: string; nodes: TestNode[]; wals: QuorumWal[]; writer(o?: Partial<QuorumWalOptions>): QuorumWal; close(): Promise<void> }

/** Three (or n) in-process nodes under a temp dir; `writer()` makes a QuorumWal on them (the last `spareCount` as spares). */
export async function startCluster(n = 3, spareCount = 0): Promise<Cluster> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'strata-walq-'));
  const nodes = await Promise.all(Array.from({ length: n }, (_, i) => new TestNode(path.join(root, `n${i}`)).start()));
  const wals: QuorumWal[] = [];
  return {
    root, nodes, wals,
    writer(o = {}) {
      const w = new QuorumWal({
        ...QUORUM_WAL_DEFAULTS, nodes: nodes.slice(0, n - spareCount).map((x) => x.address), spares: nodes.slice(n - spareCount).map((x) => x.address),
        addTimeoutMs: 1000, appendTimeoutMs: 3000, rpcTimeoutMs: 1500, reconnectDelayMs: 50, ...o,
      });
      wals.push(w);
      return w;
    },
    async close() {
      for (const w of wals) w.crash();
      await Promise.all(nodes.map((x) => x.stop()));
      await rm(root, { recursive: true, force: true });
    },
  };
}

export async function collect(it: AsyncIterable<WalEntry>): Promise<WalEntry[]> {
  const out: WalEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

export const payloadOf = (s: string): Uint8Array => new TextEncoder().encode(s);
export const textOf = (b: Uint8Array): string => new TextDecoder().decode(b);

export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try { await p; } catch (err) { return err; }
  throw new Error('expected a rejection');
}

/** Polls `cond` every 20 ms until it holds or `ms` passes. */
export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A `strata-wal-node` child process (the package's bin) on 127.0.0.1. */
export interface NodeProcess { child: ChildProcess; port: number; dir: string }

const NODE_BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'wal-node-bin.js');

/** Spawns a WAL node process; resolves once it listens (port 0 picks one; pass the old port to restart on it). */
export function spawnNode(dir: string, port = 0): Promise<NodeProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [NODE_BIN, '--port', String(port), '--dir', dir, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`wal-node did not start: ${out} ${err}`)); }, 20_000);
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /wal-node listening on grpc:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, port: Number(m[1]), dir }); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`wal-node exited with ${code}: ${err}`)); });
  });
}

/** kill -9, resolved once the process is gone. */
export function killNow(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
