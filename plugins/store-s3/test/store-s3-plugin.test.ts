import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { STORE, StrataServer } from '@strata/kernel';
import storeS3, { S3ObjectStore } from '../src/index.js';
import { S3rverProcess } from './support/s3rver-process.js';

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('store-s3: the plugin in a server', function () {
  this.timeout(30_000);
  let dir: string;
  let s3: S3rverProcess;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-store-s3-plugin-'));
    s3 = await S3rverProcess.start(path.join(dir, 's3'), []);
  });
  after(async () => {
    await s3?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  function compose(options: Record<string, unknown>, dataHome = path.join(dir, 'home')): Promise<StrataServer> {
    return StrataServer.fromDefinitions([{
      definition: storeS3,
      options: {
        endpoint: s3.endpoint, forcePathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', ...options,
      },
    }], { dataHome }, { logLevel: 'silent', processMetrics: false });
  }

  it('binds STORE, creates the bucket, caches under dataHome, exports metrics, and keeps its cache across a server restart', async () => {
    const home = path.join(dir, 'home1');
    const first = await compose({ bucket: 'plugin-bucket', prefix: '/strata/prod/', createBucket: true }, home);
    await first.start();
    const store = first.get(STORE);
    expect(store).to.be.instanceOf(S3ObjectStore);
    expect(store.name).to.equal('store-s3');
    expect((store as S3ObjectStore).prefix).to.equal('strata/prod/');
    await store.put('data/1/sst/a.parquet', Buffer.from('abc'));
    expect(Buffer.from(await store.get('data/1/sst/a.parquet')).toString()).to.equal('abc');
    const metrics = await first.metrics.text();
    expect(metrics).to.match(/strata_s3_requests_total\{op="put",status="200"\} 1/);
    expect(metrics).to.match(/strata_s3_cache_hits_total 1/);
    expect((await stat(path.join(home, 's3-cache'))).isDirectory()).to.equal(true);
    await first.stop();

    const second = await compose({ bucket: 'plugin-bucket', prefix: 'strata/prod' }, home);
    await second.start();
    try {
      expect(Buffer.from(await second.get(STORE).get('data/1/sst/a.parquet')).toString()).to.equal('abc');
      const text = await second.metrics.text();
      expect(text).to.match(/strata_s3_cache_hits_total 1/);
      expect(text).to.not.match(/op="get"/);
    } finally {
      await second.stop();
    }
  });

  it('takes credentials from the standard AWS environment variables when none are configured', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    try {
      const server = await StrataServer.fromDefinitions([{
        definition: storeS3,
        options: { endpoint: s3.endpoint, forcePathStyle: true, bucket: 'env-bucket', createBucket: true, cache: false },
      }], { dataHome: path.join(dir, 'home2') }, { logLevel: 'silent', processMetrics: false });
      await server.start();
      try {
        await server.get(STORE).put('k', Buffer.from('v'));
        expect((await server.get(STORE).head('k'))?.size).to.equal(1);
      } finally {
        await server.stop();
      }
    } finally {
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID; else process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY; else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    }
  });

  it('refuses bad options with errors naming the plugin and the option', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ bucket: 'ok-bucket', multipartPartSize: '1MiB' }, /multipartPartSize.*5MiB/],
      [{ bucket: 'ok-bucket', accessKeyId: 'only-id', secretAccessKey: undefined }, /accessKeyId.*secretAccessKey/],
      [{ bucket: 'ok-bucket', maxAttempts: 0 }, /maxAttempts/],
      [{ bucket: 'ok-bucket', cacheValidation: 'sometimes' }, /cacheValidation/],
    ];
    for (const [options, message] of cases) {
      const err = await rejection((async () => {
        const server = await compose(options);
        await server.start();
        await server.stop();
      })());
      expect((err as Error).message, JSON.stringify(options)).to.match(message);
      expect((err as Error).message).to.include('store-s3');
    }
    // A required option.
    const err = await rejection(StrataServer.fromDefinitions([{ definition: storeS3, options: {} }], { dataHome: dir }, { logLevel: 'silent' }));
    expect((err as Error).message).to.match(/store-s3.*bucket/);
  });
});
