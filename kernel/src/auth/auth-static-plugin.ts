import path from 'node:path';
import { InvalidArgumentsError } from '../errors/errors.js';
import { o, OptionIssue, type OptionSpec } from '../options/option-schema.js';
import { definePlugin } from '../plugin/plugin-definition.js';
import { USER_PROVIDER } from '../tokens.js';
import { parseStaticUserLines, StaticUserProvider, type StaticUser } from './static-user-provider.js';

/** A user entry: `'name=password'` (GreptimeDB's form) or `{ username, password | passwordSha256 }`. */
const staticUserSpec: OptionSpec<StaticUser> = {
  kind: 'user',
  description: "'name=password' or { username, password } or { username, passwordSha256 }",
  hasDefault: false,
  optional: false,
  describeType: () => "'name=password' | { username, password | passwordSha256 }",
  parse(value: unknown, key: string): StaticUser {
    if (typeof value === 'string') {
      try {
        const [u] = parseStaticUserLines(value, key);
        if (!u) throw new OptionIssue(key, "expected 'username=password'");
        return u;
      } catch (err) {
        if (err instanceof OptionIssue) throw err;
        throw new OptionIssue(key, "expected 'username=password'");
      }
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new OptionIssue(key, "expected 'username=password' or { username, password }");
    }
    const v = value as Record<string, unknown>;
    for (const k of Object.keys(v)) {
      if (!['username', 'password', 'passwordSha256'].includes(k)) throw new OptionIssue(`${key}.${k}`, 'unknown key (known: username, password, passwordSha256)');
    }
    if (typeof v.username !== 'string' || v.username === '') throw new OptionIssue(`${key}.username`, 'expected a non-empty string');
    const hasPlain = typeof v.password === 'string';
    const hasHash = typeof v.passwordSha256 === 'string';
    if (hasPlain === hasHash) throw new OptionIssue(key, "needs exactly one of 'password' or 'passwordSha256' (a string)");
    if (hasHash && !/^[0-9a-fA-F]{64}$/.test(v.passwordSha256 as string)) throw new OptionIssue(`${key}.passwordSha256`, 'must be 64 hex digits');
    return hasPlain ? { username: v.username, password: v.password as string } : { username: v.username, passwordSha256: v.passwordSha256 as string };
  },
};

export const authStaticOptions = o.object({
  users: o.array(staticUserSpec, { default: [], description: "Users: 'name=password' strings or { username, password | passwordSha256 } objects." }),
  file: o.string({ optional: true, description: 'A file of `username=password` lines (GreptimeDB static_user_provider file format); relative to the working directory.' }),
});

/**
 * The `auth-static` plugin: binds a StaticUserProvider under USER_PROVIDER,
 * which turns authentication on for every protocol. It is not a built-in
 * because a built-in joins every server automatically, and authentication
 * is off by default (GreptimeDB's default): list it in the config to turn
 * it on.
 *
 * @example
 * plugins:
 *   - use: auth-static
 *     options:
 *       users: ['greptime_user=greptime_pwd', { username: ops, passwordSha256: 5e88...42d8 }]
 */
export const authStaticPlugin = definePlugin({
  name: 'auth-static',
  kind: 'service',
  description: 'Static users from config (plaintext or SHA-256 passwords) for every protocol.',
  provides: [USER_PROVIDER],
  options: authStaticOptions,
  register(ctx, opts) {
    const users: StaticUser[] = [...(opts.users ?? [])];
    if (opts.file) users.push(...parseStaticUserLines(StaticUserProvider.readUserFile(path.resolve(opts.file)), opts.file));
    if (users.length === 0) throw new InvalidArgumentsError("auth-static: no users configured (set 'users' or 'file')");
    const provider = new StaticUserProvider(users);
    ctx.bind(USER_PROVIDER, provider);
    ctx.logger.info({ users: provider.size }, 'static user provider: authentication is on');
  },
});
