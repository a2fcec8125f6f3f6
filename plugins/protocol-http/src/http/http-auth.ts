import { AuthError, InvalidArgumentsError, type UserInfo, type UserProvider } from '@strata/kernel';

/** Paths that never ask for credentials (GreptimeDB's public APIs plus /health). */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/health', '/ready', '/v1/health', '/v1/influxdb/ping', '/v1/influxdb/health']);

/** Credentials found in a request. */
export interface Credentials { readonly username: string; readonly password: string }

function decodeBasic(credential: string): Credentials {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(credential)) throw new AuthError('INVALID_AUTH_HEADER', 'Invalid Authorization header: not base64');
  const decoded = Buffer.from(credential, 'base64');
  const text = decoded.toString('utf8');
  if (Buffer.byteLength(text) !== decoded.length || text.includes('\uFFFD')) throw new AuthError('INVALID_AUTH_HEADER', 'Invalid Authorization header: credentials are not UTF-8');
  const colon = text.indexOf(':');
  if (colon < 0) throw new AuthError('INVALID_AUTH_HEADER', "Invalid Authorization header: expected 'username:password'");
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

function splitScheme(header: string): [string, string] {
  const sp = header.indexOf(' ');
  if (sp <= 0) throw new AuthError('INVALID_AUTH_HEADER', 'Invalid Authorization header');
  return [header.slice(0, sp).toLowerCase(), header.slice(sp + 1).trim()];
}

/**
 * Extracts credentials the way GreptimeDB does: `Authorization: Basic` or
 * `x-greptime-auth: Basic` everywhere; InfluxDB paths also take
 * `Authorization: Token user:password` and `?u=&p=`.
 * Throws AuthError with GreptimeDB's codes (7003 missing, 7004 invalid).
 */
export function extractCredentials(path: string, headers: Record<string, string | string[] | undefined>,
  query: Record<string, unknown>): Credentials {
  const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
  const header = one(headers['x-greptime-auth']) ?? one(headers.authorization);
  const influx = path.startsWith('/v1/influxdb');
  if (header !== undefined) {
    const [scheme, credential] = splitScheme(header);
    if (scheme === 'basic') {
      if (credential.includes(' ')) throw new AuthError('INVALID_AUTH_HEADER', 'Invalid Authorization header');
      return decodeBasic(credential);
    }
    if (scheme === 'token' && influx) {
      const colon = credential.indexOf(':');
      if (colon < 0) throw new AuthError('INVALID_AUTH_HEADER', "Invalid Authorization header: expected 'Token username:password'");
      return { username: credential.slice(0, colon), password: credential.slice(colon + 1) };
    }
    throw new AuthError('INVALID_AUTH_HEADER', `Unsupported authorization scheme: ${scheme}`);
  }
  if (influx) {
    const u = typeof query.u === 'string' && query.u !== '' ? query.u : undefined;
    const p = typeof query.p === 'string' && query.p !== '' ? query.p : undefined;
    if (u !== undefined && p !== undefined) return { username: u, password: p };
    if (u !== undefined || p !== undefined) throw new InvalidArgumentsError('influxdb auth: username and password must be provided together');
  }
  throw new AuthError('AUTH_HEADER_NOT_FOUND', 'Not found http or grpc authorization header');
}

/** Authenticates a request, or returns undefined when no provider is bound (auth off). */
export async function authenticateRequest(provider: UserProvider | undefined, path: string,
  headers: Record<string, string | string[] | undefined>, query: Record<string, unknown>): Promise<UserInfo | undefined> {
  if (!provider || PUBLIC_PATHS.has(path)) return undefined;
  const { username, password } = extractCredentials(path, headers, query);
  return provider.authenticate(username, password);
}
