import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const sha1 = (...parts: Uint8Array[]): Buffer => { const h = createHash('sha1'); for (const p of parts) h.update(p); return h.digest(); };
const sha256 = (...parts: Uint8Array[]): Buffer => { const h = createHash('sha256'); for (const p of parts) h.update(p); return h.digest(); };

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i % b.length]!;
  return out;
}

/**
 * A 20-byte scramble (auth-plugin-data) without NUL bytes or '$', since
 * clients read the first part as a NUL-terminated string.
 */
export function newScramble(): Buffer {
  const b = randomBytes(20);
  for (let i = 0; i < b.length; i++) b[i] = (b[i]! % 94) + 33; // printable ASCII, never 0
  return b;
}

/** mysql_native_password: SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))). Empty password -> empty token. */
export function nativePasswordToken(password: string, scramble: Buffer): Buffer {
  if (password === '') return Buffer.alloc(0);
  const stage1 = sha1(Buffer.from(password, 'utf8'));
  const stage2 = sha1(stage1);
  return xor(stage1, sha1(scramble, stage2));
}

/** caching_sha2_password: SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) + scramble). Empty password -> empty token. */
export function cachingSha2Token(password: string, scramble: Buffer): Buffer {
  if (password === '') return Buffer.alloc(0);
  const p1 = sha256(Buffer.from(password, 'utf8'));
  const p2 = sha256(p1);
  return xor(p1, sha256(p2, scramble));
}

/** Checks a client's token for `plugin` against the plaintext password, in constant time. */
export function verifyToken(plugin: 'mysql_native_password' | 'caching_sha2_password', password: string, scramble: Buffer, token: Buffer): boolean {
  const expected = plugin === 'mysql_native_password' ? nativePasswordToken(password, scramble) : cachingSha2Token(password, scramble);
  return expected.length === token.length && (expected.length === 0 || timingSafeEqual(expected, token));
}
