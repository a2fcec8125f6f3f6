import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { StrataServer, type PluginDefinition, seededRandom } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import protocolMysql from '@strata/protocol-mysql';
import protocolPostgres from '@strata/protocol-postgres';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';

/** A real server (store-fs + wal-local + engine-lsm + built-in SQL) with the MySQL and PostgreSQL protocols, TLS offered. */
export interface SqlServer {
  readonly server: StrataServer;
  readonly mysqlPort: number;
  readonly pgPort: number;
  readonly cert: Buffer;
  close(): Promise<void>;
}

/** Generates a self-signed certificate for CN=localhost with the openssl CLI. */
export function selfSignedCert(dir: string): { certPath: string; keyPath: string } {
  const certPath = path.join(dir, 'cert.pem'); const keyPath = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  return { certPath, keyPath };
}

export async function startSqlServer(extra: {
  mysql?: Record<string, unknown>; postgres?: Record<string, unknown>;
  plugins?: ReadonlyArray<{ definition: PluginDefinition; options?: Record<string, unknown> }>;
} = {}): Promise<SqlServer> {
  const dataHome = mkdtempSync(path.join(os.tmpdir(), 'strata-e2e-sql-'));
  const { certPath, keyPath } = selfSignedCert(dataHome);
  const tls = { mode: 'prefer', certPath, keyPath };
  const server = await StrataServer.fromDefinitions([
    { definition: storeFs, options: {} },
    { definition: walLocal, options: {} },
    { definition: engineLsm, options: {} },
    ...(extra.plugins ?? []),
    { definition: protocolMysql, options: { port: 0, tls, ...extra.mysql } },
    { definition: protocolPostgres, options: { port: 0, tls, ...extra.postgres } },
  ], { dataHome }, { logLevel: 'silent', processMetrics: false });
  try {
    await server.start();
  } catch (err) {
    rmSync(dataHome, { recursive: true, force: true });
    throw err;
  }
  const port = (p: string) => server.addresses().find((a) => a.protocol === p)!.port;
  return {
    server, mysqlPort: port('mysql'), pgPort: port('postgres'), cert: readFileSync(certPath),
    async close() { await server.stop(); rmSync(dataHome, { recursive: true, force: true }); },
  };
}

/** A deterministic PRNG (the kernel's seededRandom, mulberry32). */
export const prng = seededRandom;

/**
 * Connects, optionally waits for the server's first bytes, writes `bytes`,
 * and reports whether the server closed the connection within `waitMs`.
 */
export function sendRaw(port: number, bytes: Buffer, opts: { waitForGreeting?: boolean; waitMs?: number } = {}): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    s.on('data', (c) => chunks.push(c));
    s.on('close', () => { closed = true; });
    s.on('error', () => undefined);
    if (opts.waitForGreeting) s.once('data', () => s.write(bytes)); else s.on('connect', () => s.write(bytes));
    const timer = setInterval(() => { if (closed) finish(); }, 20);
    const finish = () => { clearInterval(timer); clearTimeout(deadline); s.destroy(); resolve({ data: Buffer.concat(chunks), closed }); };
    const deadline = setTimeout(finish, opts.waitMs ?? 1500);
  });
}
