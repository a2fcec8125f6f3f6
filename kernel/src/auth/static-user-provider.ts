import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AuthError, InvalidArgumentsError } from '../errors/errors.js';
import type { UserInfo, UserProvider } from '../interfaces/auth.js';

/**
 * One configured user. Exactly one of `password` (plaintext) or
 * `passwordSha256` (hex SHA-256 of the password) is set.
 */
export interface StaticUser {
  readonly username: string;
  readonly password?: string;
  readonly passwordSha256?: string;
}

interface StoredUser {
  readonly username: string;
  readonly digest: Buffer;
  readonly plaintext?: string;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Parses GreptimeDB's static user format: one `username=password` per line
 * (blank lines and `#` comments skipped). The password is everything after
 * the first `=`, so it may itself contain `=`.
 *
 * @example
 * parseStaticUserLines('greptime_user=greptime_pwd\n# ops\nops=s3cr=t')
 * // -> [{ username: 'greptime_user', password: 'greptime_pwd' }, { username: 'ops', password: 's3cr=t' }]
 */
export function parseStaticUserLines(text: string, source = 'users'): StaticUser[] {
  const users: StaticUser[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentsError(`${source}: line ${i + 1}: expected 'username=password'`);
    users.push({ username: line.slice(0, eq).trim(), password: line.slice(eq + 1) });
  });
  return users;
}

/**
 * A UserProvider over a fixed list of users from config: plaintext or
 * SHA-256-hashed passwords, compared in constant time. Shared by every
 * protocol (HTTP Basic, MySQL, PostgreSQL) through the USER_PROVIDER token.
 *
 * @example
 * const users = new StaticUserProvider([
 *   { username: 'greptime_user', password: 'greptime_pwd' },
 *   { username: 'ops', passwordSha256: '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8' },
 * ]);
 * await users.authenticate('ops', 'password'); // -> { username: 'ops' }
 */
export class StaticUserProvider implements UserProvider {
  readonly name = 'static';
  private readonly users = new Map<string, StoredUser>();

  constructor(users: readonly StaticUser[]) {
    for (const u of users) {
      if (!u.username) throw new InvalidArgumentsError('static user provider: a user has an empty username');
      if (this.users.has(u.username)) throw new InvalidArgumentsError(`static user provider: user '${u.username}' is listed twice`);
      const hasPlain = u.password !== undefined;
      const hasHash = u.passwordSha256 !== undefined;
      if (hasPlain === hasHash) {
        throw new InvalidArgumentsError(`static user provider: user '${u.username}' needs exactly one of 'password' or 'passwordSha256'`);
      }
      let digest: Buffer;
      if (hasHash) {
        const hex = u.passwordSha256!.trim().toLowerCase();
        if (!/^[0-9a-f]{64}$/.test(hex)) {
          throw new InvalidArgumentsError(`static user provider: user '${u.username}': passwordSha256 must be 64 hex digits`);
        }
        digest = Buffer.from(hex, 'hex');
      } else {
        digest = sha256(u.password!);
      }
      this.users.set(u.username, { username: u.username, digest, plaintext: u.password });
    }
  }

  /** Reads users from a file of `username=password` lines (GreptimeDB's format). */
  static fromFile(file: string): StaticUserProvider {
    return new StaticUserProvider(parseStaticUserLines(StaticUserProvider.readUserFile(file), file));
  }

  /** Reads a user file's text, naming the file in the error. */
  static readUserFile(file: string): string {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new InvalidArgumentsError(`static user provider: cannot read user file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
    }
  }

  /** Number of configured users. */
  get size(): number { return this.users.size; }

  async authenticate(username: string, password: string): Promise<UserInfo> {
    const user = this.users.get(username);
    if (!user) throw new AuthError('USER_NOT_FOUND', `User not found, username: ${username}`);
    // Comparing fixed-length digests keeps the check constant-time whatever the password's length.
    if (!timingSafeEqual(sha256(password), user.digest)) {
      throw new AuthError('USER_PASSWORD_MISMATCH', `Username and password does not match, username: ${username}`);
    }
    return { username: user.username };
  }

  async passwordMaterial(username: string): Promise<{ plaintext?: string } | undefined> {
    const user = this.users.get(username);
    if (!user) return undefined;
    return user.plaintext === undefined ? {} : { plaintext: user.plaintext };
  }
}
