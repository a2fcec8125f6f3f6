import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
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

/** Three (or n) in-process nodes under a temp dir; `writer()` makes a QuorumWal on them. */
export async function startCluster(n = 3): Promise<Cluster> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'strata-walq-'));
  const nodes = await Promise.all(Array.from({ length: n }, (_, i) => new TestNode(path.join(root, `n${i}`)).start()));
  const wals: QuorumWal[] = [];
  return {
    root, nodes, wals,
    writer(o = {}) {
      const w = new QuorumWal({
        ...QUORUM_WAL_DEFAULTS, nodes: nodes.map((x) => x.address),
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
