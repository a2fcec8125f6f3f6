import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { authStaticPlugin, parseStaticUserLines, StaticUserProvider, StrataError, StrataServer, USER_PROVIDER } from '@strata/kernel';

describe('StaticUserProvider (kernel/src/auth)', () => {
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');

  it('authenticates plaintext and SHA-256 users, with GreptimeDB codes for failures', async () => {
    const p = new StaticUserProvider([{ username: 'a', password: 'pa' }, { username: 'b', passwordSha256: sha('pb') }]);
    expect(await p.authenticate('a', 'pa')).to.deep.equal({ username: 'a' });
    expect(await p.authenticate('b', 'pb')).to.deep.equal({ username: 'b' });
    const codes: number[] = [];
    for (const [u, pw] of [['c', 'x'], ['a', 'pb'], ['b', 'wrong']] as const) {
      try { await p.authenticate(u, pw); } catch (err) { codes.push((err as StrataError).status); }
    }
    expect(codes).to.deep.equal([7000, 7002, 7002]);
    expect(await p.passwordMaterial('a')).to.deep.equal({ plaintext: 'pa' });
    expect(await p.passwordMaterial('b')).to.deep.equal({});
    expect(await p.passwordMaterial('zz')).to.equal(undefined);
  });

  it('refuses bad user lists', () => {
    expect(() => new StaticUserProvider([{ username: 'a', password: 'x' }, { username: 'a', password: 'y' }])).to.throw(/twice/);
    expect(() => new StaticUserProvider([{ username: 'a' }])).to.throw(/exactly one/);
    expect(() => new StaticUserProvider([{ username: 'a', passwordSha256: 'abc' }])).to.throw(/64 hex/);
    expect(parseStaticUserLines('# c\nu=p=q\n\nv=w')).to.deep.equal([{ username: 'u', password: 'p=q' }, { username: 'v', password: 'w' }]);
    expect(() => parseStaticUserLines('nope')).to.throw(/line 1/);
  });

  it('auth-static plugin binds USER_PROVIDER from options and a user file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'strata-auth-'));
    try {
      const file = path.join(dir, 'users');
      writeFileSync(file, 'fileuser=filepw\n');
      const server = await StrataServer.fromDefinitions([{ definition: authStaticPlugin, options: { users: ['greptime_user=greptime_pwd', { username: 'h', passwordSha256: sha('hp') }], file } }],
        { dataHome: dir }, { logLevel: 'silent', processMetrics: false });
      await server.start();
      const p = server.get(USER_PROVIDER);
      expect(await p.authenticate('greptime_user', 'greptime_pwd')).to.deep.equal({ username: 'greptime_user' });
      expect(await p.authenticate('h', 'hp')).to.deep.equal({ username: 'h' });
      expect(await p.authenticate('fileuser', 'filepw')).to.deep.equal({ username: 'fileuser' });
      await server.stop();
      let err: unknown;
      try { await StrataServer.fromDefinitions([{ definition: authStaticPlugin, options: { users: [{ username: 'x' }] } }], { dataHome: dir }, { logLevel: 'silent' }); } catch (e) { err = e; }
      expect((err as Error).message).to.match(/auth-static.*users\[0\]/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
