import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, InternalError, StatusCode, StrataError, TableNotFoundError, httpStatusOf, toStrataError } from '../src/index.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('errors', () => {
  it('docs/errors.md lists exactly the codes of ERROR_CODES with their status', () => {
    const page = readFileSync(path.join(repo, 'docs', 'errors.md'), 'utf8');
    const rows = [...page.matchAll(/^\| `([A-Z_]+)` \| (\d+) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(rows, 'regenerate with: node scripts/gen-errors-doc.mjs').to.deep.equal(ERROR_CODES.map((e) => [e.code, e.status]));
    const http = [...page.matchAll(/^\| `([A-Z_]+)` \| (\d+) \| \w+ \| (\d+) \|/gm)].map((m) => [m[1], Number(m[3])]);
    expect(http, 'regenerate with: node scripts/gen-errors-doc.mjs').to.deep.equal(ERROR_CODES.map((e) => [e.code, httpStatusOf[e.status]]));
  });

  it('has unique codes, each with a fix', () => {
    const codes = ERROR_CODES.map((e) => e.code);
    expect(new Set(codes).size).to.equal(codes.length);
    for (const e of ERROR_CODES) expect(e.fix.length, e.code).to.be.greaterThan(10);
  });

  it('maps every status to an HTTP status', () => {
    for (const v of Object.values(StatusCode)) {
      if (typeof v === 'number') expect(httpStatusOf[v as StatusCode], String(v)).to.be.a('number');
    }
    expect(httpStatusOf[StatusCode.TableNotFound]).to.equal(400);
    expect(httpStatusOf[StatusCode.RateLimited]).to.equal(429);
    expect(httpStatusOf[StatusCode.Internal]).to.equal(500);
  });

  it("maps every status to GreptimeDB's HTTP status (status_code_to_http_status)", () => {
    const greptimedb: Record<number, ReadonlyArray<keyof typeof StatusCode>> = {
      200: ['Success'],
      400: ['Unsupported', 'InvalidArguments', 'InvalidSyntax', 'RequestOutdated', 'RegionAlreadyExists', 'TableColumnExists', 'TableAlreadyExists',
        'RegionNotFound', 'DatabaseNotFound', 'TableNotFound', 'TableColumnNotFound', 'PlanQuery', 'DatabaseAlreadyExists'],
      401: ['AuthHeaderNotFound', 'InvalidAuthHeader', 'UserNotFound', 'UnsupportedPasswordType', 'UserPasswordMismatch', 'RegionReadonly'],
      403: ['PermissionDenied', 'AccessDenied'],
      429: ['RateLimited'],
      500: ['Internal', 'Unexpected', 'IllegalState', 'Unknown', 'RuntimeResourcesExhausted', 'EngineExecuteQuery'],
      503: ['RegionNotReady', 'TableUnavailable', 'RegionBusy', 'StorageUnavailable', 'External'],
      504: ['Cancelled', 'DeadlineExceeded'],
    };
    const listed = Object.entries(greptimedb).flatMap(([http, names]) => names.map((n) => [n, Number(http)] as const));
    for (const [name, http] of listed) expect(httpStatusOf[StatusCode[name]], name).to.equal(http);
    expect(listed.length).to.equal(Object.keys(httpStatusOf).length);
  });

  it('keeps codes, status, and the cause', () => {
    const e = new TableNotFoundError('public.cpu');
    expect(e).to.be.instanceOf(StrataError);
    expect(e.toJSON()).to.deep.equal({ code: 'TABLE_NOT_FOUND', status: 4001, message: 'Table not found: public.cpu' });
    const cause = new Error('disk on fire');
    const wrapped = toStrataError(cause);
    expect(wrapped).to.be.instanceOf(InternalError);
    expect(wrapped.cause).to.equal(cause);
    expect(wrapped.origin).to.equal('internal');
    expect(toStrataError(e)).to.equal(e);
  });
});
