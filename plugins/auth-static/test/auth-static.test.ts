import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { StrataServer, USER_PROVIDER, type StrataError } from '@strata/kernel';
import authStatic from '../src/index.js';

describe('auth-static plugin package', () => {
  it('loads by name from a config file and authenticates its users', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'strata-auth-static-'));
    try {
      const file = path.join(dir, 'strata.config.yaml');
      writeFileSync(file, 'server:\n  dataHome: ./data\nplugins:\n  - use: auth-static\n    options:\n      users: ["greptime_user=greptime_pwd"]\n');
      const server = await StrataServer.fromFile(file, { logLevel: 'silent', processMetrics: false });
      expect(server.plugins.map((p) => p.definition.name)).to.include('auth-static');
      await server.start();
      const users = server.get(USER_PROVIDER);
      expect(await users.authenticate('greptime_user', 'greptime_pwd')).to.deep.equal({ username: 'greptime_user' });
      let code = 0;
      try { await users.authenticate('greptime_user', 'nope'); } catch (err) { code = (err as StrataError).status; }
      expect(code).to.equal(7002);
      await server.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is the kernel definition: kind service, provides USER_PROVIDER, requires nothing', () => {
    expect(authStatic.name).to.equal('auth-static');
    expect(authStatic.provides).to.deep.equal([USER_PROVIDER]);
    expect(authStatic.requires ?? []).to.deep.equal([]);
  });
});
