/** A user who has authenticated. */
export interface UserInfo {
  readonly username: string;
}

/**
 * Authenticates users for every protocol. Plaintext checks serve HTTP Basic
 * and PostgreSQL cleartext; `passwordMaterial` serves challenge protocols
 * (MySQL native/caching_sha2, PostgreSQL md5/SCRAM) that need the stored
 * secret, not a plaintext comparison. Off by default: with no provider bound,
 * protocols accept any user (GreptimeDB's default).
 */
export interface UserProvider {
  readonly name: string;
  authenticate(username: string, password: string): Promise<UserInfo>;
  /** The plaintext password, when the provider holds it (static providers do). */
  passwordMaterial?(username: string): Promise<{ plaintext?: string } | undefined>;
}
