/**
 * Runs s3rver in its own process. s3rver 3.7.1 makes list continuation tokens
 * with DES, which OpenSSL 3 (Node >= 17) only offers through its legacy
 * provider, and that provider can only be enabled when a process starts
 * (--openssl-legacy-provider): so the server gets a process of its own, which
 * also lets a test kill it abruptly.
 *
 * argv: <directory> <port> <bucket>...; reports {port} over IPC when listening.
 */
import S3rver from 's3rver';

const [directory, portText, ...buckets] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(portText ?? 0),
  directory: directory!,
  silent: process.env.S3RVER_LOG !== "1",
  configureBuckets: buckets.map((name) => ({ name })),
});
const address = await server.run();
process.send?.({ port: address.port });
// The parent going away (test runner killed) must not leave us running.
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => { void server.close().finally(() => process.exit(0)); });
