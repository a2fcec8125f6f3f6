import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, type CliIo } from '../src/index.js';
import {
  TEMPLATE_KINDS, addTsconfigReference, findWorkspaceRoot, generatePlugin, nameForms, pluginNameProblem,
  removeTsconfigReference, substitutePlaceholders,
} from '../src/cli/new-plugin-command.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const templatesDir = path.resolve(here, '..', '..', '..', 'templates');

function capture(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []; const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), env: {} };
}

const ROOT_TSCONFIG = '{\n  "files": [],\n  "references": [\n    { "path": "kernel" },\n    { "path": "plugins/store-fs" },\n    { "path": "test" }\n  ]\n}\n';

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = path.join(dir, e);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

describe('strata new plugin', () => {
  let ws: string;
  beforeEach(() => {
    ws = mkdtempSync(path.join(os.tmpdir(), 'strata-new-plugin-'));
    writeFileSync(path.join(ws, 'package.json'), JSON.stringify({ name: 'ws', private: true, workspaces: ['plugins/*'] }));
    writeFileSync(path.join(ws, 'tsconfig.json'), ROOT_TSCONFIG);
    mkdirSync(path.join(ws, 'plugins', 'store-fs'), { recursive: true });
    writeFileSync(path.join(ws, 'plugins', 'store-fs', 'package.json'), JSON.stringify({ name: '@strata/store-fs' }));
  });
  afterEach(() => rmSync(ws, { recursive: true, force: true }));

  describe('names', () => {
    it('accepts lower-case kebab names and refuses everything else with a reason', () => {
      for (const ok of ['lines', 'protocol-lines', 'wal-v2', 'a1-b2-c3']) expect(pluginNameProblem(ok), ok).to.equal(undefined);
      for (const bad of ['', 'Lines', 'my_plugin', '-x', 'x-', 'a--b', '1abc', 'has space', '@scope/x', '../up', 'a.b', 'x'.repeat(51)]) {
        expect(pluginNameProblem(bad), bad).to.be.a('string');
      }
      expect(pluginNameProblem('kernel')).to.contain('reserved');
      expect(pluginNameProblem('My-Plugin')).to.contain('lower-case kebab-case');
    });

    it('derives every spelling and substitutes all placeholders', () => {
      const f = nameForms('protocol-lines', '@acme');
      expect(f).to.deep.equal({
        name: 'protocol-lines', packageName: '@acme/protocol-lines', pascal: 'ProtocolLines', camel: 'protocolLines',
        snake: 'protocol_lines', constant: 'PROTOCOL_LINES',
      });
      const text = "'__NAME__' __PACKAGE_NAME__ class __PASCAL_NAME__Server const __CAMEL_NAME__Options __SNAKE_NAME___range STRATA___CONSTANT_NAME____PORT";
      expect(substitutePlaceholders(text, f)).to.equal(
        "'protocol-lines' @acme/protocol-lines class ProtocolLinesServer const protocolLinesOptions protocol_lines_range STRATA_PROTOCOL_LINES__PORT");
    });
  });

  describe('tsconfig references', () => {
    it('inserts one line after the last reference of the same folder and removes it again', () => {
      const { text, added } = addTsconfigReference(ROOT_TSCONFIG, 'plugins/lines');
      expect(added).to.equal(true);
      expect(text).to.equal(ROOT_TSCONFIG.replace('{ "path": "plugins/store-fs" },\n', '{ "path": "plugins/store-fs" },\n    { "path": "plugins/lines" },\n'));
      expect(JSON.parse(text).references).to.have.length(4);
      expect(addTsconfigReference(text, 'plugins/lines').added).to.equal(false);
      expect(removeTsconfigReference(text, 'plugins/lines')).to.equal(ROOT_TSCONFIG);
    });

    it('keeps the JSON valid when the new reference is the last one', () => {
      const base = '{\n  "references": [\n    { "path": "kernel" }\n  ]\n}\n';
      const { text } = addTsconfigReference(base, 'extra/x');
      expect(JSON.parse(text).references).to.deep.equal([{ path: 'kernel' }, { path: 'extra/x' }]);
      expect(removeTsconfigReference(text, 'extra/x')).to.equal(base);
    });
  });

  describe('generation', () => {
    it('has a template for every kind it offers', () => {
      for (const k of TEMPLATE_KINDS) {
        expect(existsSync(path.join(templatesDir, k, 'package.json')), k).to.equal(true);
        for (const f of ['tsconfig.json', 'README.md', 'src/index.ts', 'src/options.ts', 'src/errors.ts']) {
          expect(existsSync(path.join(templatesDir, k, f)), `${k}/${f}`).to.equal(true);
        }
        expect(readdirSync(path.join(templatesDir, k, 'test')).some((f) => f.endsWith('.test.ts')), `${k} has tests`).to.equal(true);
      }
    });

    it('writes every template with no placeholder left and registers it', async () => {
      for (const kind of TEMPLATE_KINDS) {
        const name = `my-${kind}`;
        const g = await generatePlugin({ kind, name, workspace: ws, templatesDir, scope: '@acme' });
        expect(g.packageDir).to.equal(path.join(ws, 'plugins', name));
        for (const file of allFiles(g.packageDir)) {
          expect(readFileSync(file, 'utf8'), path.relative(ws, file)).to.not.match(/__[A-Z_]+__/);
        }
        const pkg = JSON.parse(readFileSync(path.join(g.packageDir, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string> };
        expect(pkg.name).to.equal(`@acme/${name}`);
        expect(pkg.dependencies['@strata/kernel']).to.equal('0.1.0');
        expect(readFileSync(path.join(g.packageDir, 'src', 'index.ts'), 'utf8')).to.contain(`name: '${name}'`);
        expect(g.tsconfigReference).to.equal(`plugins/${name}`);
      }
      const refs = (JSON.parse(readFileSync(path.join(ws, 'tsconfig.json'), 'utf8')) as { references: Array<{ path: string }> }).references.map((r) => r.path);
      expect(refs).to.deep.equal(['kernel', 'plugins/store-fs', ...TEMPLATE_KINDS.map((k) => `plugins/my-${k}`), 'test']);
    });

    it('refuses to overwrite a folder, to reuse a package name, and unknown kinds or bad dirs', async () => {
      mkdirSync(path.join(ws, 'plugins', 'taken'));
      writeFileSync(path.join(ws, 'plugins', 'taken', 'keep.txt'), 'mine');
      const fail = async (p: Promise<unknown>): Promise<string> => p.then(() => 'no error', (e: Error) => e.message);
      expect(await fail(generatePlugin({ kind: 'wal', name: 'taken', workspace: ws, templatesDir }))).to.contain('refusing to overwrite');
      expect(readFileSync(path.join(ws, 'plugins', 'taken', 'keep.txt'), 'utf8')).to.equal('mine');
      // A different folder holding the same package name.
      mkdirSync(path.join(ws, 'plugins', 'other'));
      writeFileSync(path.join(ws, 'plugins', 'other', 'package.json'), JSON.stringify({ name: '@strata/dup' }));
      expect(await fail(generatePlugin({ kind: 'wal', name: 'dup', workspace: ws, templatesDir }))).to.contain('already the package @strata/dup');
      expect(await fail(generatePlugin({ kind: 'index' as never, name: 'x', workspace: ws, templatesDir }))).to.contain("unknown plugin kind 'index'");
      expect(await fail(generatePlugin({ kind: 'wal', name: 'x', dir: '../outside', workspace: ws, templatesDir }))).to.contain('inside the workspace');
      expect(await fail(generatePlugin({ kind: 'wal', name: 'Bad_Name', workspace: ws, templatesDir }))).to.contain('not a valid plugin name');
      expect(await fail(generatePlugin({ kind: 'wal', name: 'x', scope: 'acme', workspace: ws, templatesDir }))).to.contain('not an npm scope');
      // Nothing half-written, no reference added by the failures.
      expect(readdirSync(path.join(ws, 'plugins')).sort()).to.deep.equal(['other', 'store-fs', 'taken']);
      expect(readFileSync(path.join(ws, 'tsconfig.json'), 'utf8')).to.equal(ROOT_TSCONFIG);
    });

    it('runs from the CLI, honours --dir, and prints the next steps', async () => {
      const io = capture();
      const code = await runCli(['new', 'plugin', '--kind', 'protocol', '--name', 'lines', '--dir', 'extra', '--workspace', ws, '--templates', templatesDir], io);
      expect(io.stderr).to.deep.equal([]);
      expect(code).to.equal(0);
      expect(existsSync(path.join(ws, 'extra', 'lines', 'src', 'index.ts'))).to.equal(true);
      const text = io.stdout.join('\n');
      expect(text).to.contain("Created @strata/lines (protocol plugin 'lines') in extra/lines/");
      expect(text).to.match(/npm install[\s\S]*npx tsc -b extra\/lines[\s\S]*mocha[\s\S]*use: @strata\/lines/);
      expect(readFileSync(path.join(ws, 'tsconfig.json'), 'utf8')).to.contain('{ "path": "extra/lines" }');
      expect(text).to.contain('Note: package.json "workspaces" does not list extra/*');
      const inPlugins = capture();
      expect(await runCli(['new', 'plugin', '--kind', 'wal', '--name', 'wal-two', '--workspace', ws, '--templates', templatesDir], inPlugins)).to.equal(0);
      expect(inPlugins.stdout.join('\n')).to.not.contain('Note:');

      const again = capture();
      expect(await runCli(['new', 'plugin', '--kind', 'protocol', '--name', 'lines', '--dir', 'extra', '--workspace', ws, '--templates', templatesDir], again)).to.equal(1);
      expect(again.stderr[0]).to.match(/^strata: error \[INVALID_ARGUMENTS\]: .*already exists; refusing to overwrite/);

      const missing = capture();
      expect(await runCli(['new', 'plugin', '--name', 'x', '--workspace', ws], missing)).to.equal(2);
      expect(missing.stderr[0]).to.contain('--kind is required');
      const wrong = capture();
      expect(await runCli(['new', 'thing', '--kind', 'wal', '--name', 'x', '--workspace', ws], wrong)).to.equal(2);
      expect(wrong.stderr[0]).to.contain('usage: strata new plugin');
    });

    it('fixes the relative paths of tsconfig.json for a deeper --dir', async () => {
      const g = await generatePlugin({ kind: 'store', name: 'deep', dir: 'packages/plugins', workspace: ws, templatesDir });
      const tsconfig = JSON.parse(readFileSync(path.join(g.packageDir, 'tsconfig.json'), 'utf8')) as { extends: string; references: Array<{ path: string }> };
      expect(tsconfig.extends).to.equal('../../../tsconfig.base.json');
      expect(tsconfig.references).to.deep.equal([{ path: '../../../kernel' }]);
      expect(existsSync(path.resolve(g.packageDir, tsconfig.extends.replace('tsconfig.base.json', 'package.json')))).to.equal(true);
      expect(g.tsconfigReference).to.equal('packages/plugins/deep');
    });

    it('finds the workspace root from a nested folder', () => {
      mkdirSync(path.join(ws, 'plugins', 'store-fs', 'src'), { recursive: true });
      expect(findWorkspaceRoot(path.join(ws, 'plugins', 'store-fs', 'src'))).to.equal(ws);
    });
  });
});
