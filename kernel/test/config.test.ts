import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, configFromObject, defaultConfig, overridesFromEnv, parseSetArgument, readConfigFile } from '../src/index.js';

describe('config files', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'strata-config-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const expected = { use: 'wal-local', options: { syncMode: 'always' }, enabled: true, ifAvailable: false };
  const formats: Record<string, string> = {
    'strata.config.yaml': 'server:\n  dataHome: ./data\n  logLevel: warn\nplugins:\n  - use: wal-local\n    options:\n      syncMode: always\n',
    'strata.config.json': JSON.stringify({ server: { dataHome: './data', logLevel: 'warn' }, plugins: [{ use: 'wal-local', options: { syncMode: 'always' } }] }),
    'strata.config.toml': '[server]\ndataHome = "./data"\nlogLevel = "warn"\n\n[[plugins]]\nuse = "wal-local"\n[plugins.options]\nsyncMode = "always"\n',
  };
  for (const [name, text] of Object.entries(formats)) {
    it(`reads ${path.extname(name)}`, async () => {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      const c = await readConfigFile(file);
      expect(c.source).to.equal(file);
      expect(c.baseDir).to.equal(dir);
      expect(c.server).to.deep.equal({ name: undefined, dataHome: './data', logLevel: 'warn', shutdownTimeoutMs: 30_000 });
      expect(c.plugins).to.have.length(1);
      expect(c.plugins[0]).to.deep.include(expected);
    });
  }

  it('names the file and the key in errors', async () => {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'server:\n  dataHome: 3\nplugins: []\n');
    const err = await readConfigFile(file).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).message).to.contain(file).and.contain("'server.dataHome'");

    writeFileSync(file, 'plugins:\n  - use: x\n    optoins: {}\n');
    const err2 = await readConfigFile(file).then(() => undefined, (e: unknown) => e as Error);
    expect(err2?.message).to.contain('plugins[0].optoins').and.contain('unknown key');
  });

  it('reports syntax errors and missing files with the path', async () => {
    const file = path.join(dir, 'broken.yaml');
    writeFileSync(file, 'plugins: [\n');
    const err = await readConfigFile(file).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).to.match(/broken\.yaml: cannot parse YAML/);
    const missing = await readConfigFile(path.join(dir, 'nope.yaml')).then(() => undefined, (e: unknown) => e as Error);
    expect(missing?.message).to.contain('no such file');
    const weird = path.join(dir, 'c.ini');
    writeFileSync(weird, 'x=1');
    const err3 = await readConfigFile(weird).then(() => undefined, (e: unknown) => e as Error);
    expect(err3?.message).to.contain("unknown config format '.ini'");
  });

  it('accepts plugin names as plain strings', () => {
    const c = configFromObject({ plugins: ['store-fs'] }, 'x.yaml', '/tmp');
    expect(c.plugins[0]).to.deep.include({ use: 'store-fs', options: {}, enabled: true });
  });

  it('has an embedded default with every first-party plugin, skipped when not installed', () => {
    const c = defaultConfig('/srv');
    expect(c.source).to.equal('(embedded default)');
    expect(c.baseDir).to.equal('/srv');
    expect(c.plugins.map((p) => p.use)).to.include.members(['wal-local', 'engine-lsm', 'store-fs', 'protocol-http', 'protocol-mysql', 'protocol-postgres']);
    expect(c.plugins.every((p) => p.ifAvailable)).to.equal(true);
    const ports = Object.fromEntries(c.plugins.filter((p) => p.options.port).map((p) => [p.use, p.options.port]));
    expect(ports).to.deep.equal({ 'protocol-http': 4000, 'protocol-grpc': 4001, 'protocol-mysql': 4002, 'protocol-postgres': 4003 });
  });
});

describe('config overrides', () => {
  it('reads STRATA_ environment variables', () => {
    const o = overridesFromEnv({
      STRATA_DATA_HOME: '/data', STRATA_LOG_LEVEL: 'debug',
      STRATA_PROTOCOL_HTTP__PORT: '4100', STRATA_ENGINE_LSM__MEMTABLE_BYTES_MAX: '128MiB',
      STRATA_ENGINE_LSM__COMPACTION__MAX_FILES: '8', STRATA_HOME: '/ignored', PATH: '/bin',
    });
    expect(o.map((x) => [x.target, x.path.join('.'), x.value])).to.have.deep.members([
      ['server', 'dataHome', '/data'], ['server', 'logLevel', 'debug'],
      ['protocol-http', 'port', '4100'], ['engine-lsm', 'memtableBytesMax', '128MiB'],
      ['engine-lsm', 'compaction.maxFiles', '8'],
    ]);
  });

  it('parses --set arguments', () => {
    expect(parseSetArgument('protocol-http.port=4100')).to.deep.include({ target: 'protocol-http', path: ['port'], value: '4100' });
    expect(parseSetArgument('a.b.c=x=y')).to.deep.include({ target: 'a', path: ['b', 'c'], value: 'x=y' });
    expect(() => parseSetArgument('port=1')).to.throw(ConfigError, /<plugin>\.<option>=<value>/);
    expect(() => parseSetArgument('a.b')).to.throw(ConfigError);
  });
});
