import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

const hmac = (key: Buffer, data: string | Buffer) => createHmac('sha256', key).update(data).digest();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

/** md5 auth: 'md5' + md5hex(md5hex(password + user) + salt). */
export function md5PasswordHash(user: string, password: string, salt: Buffer): string {
  const inner = createHash('md5').update(password + user).digest('hex');
  return `md5${createHash('md5').update(Buffer.concat([Buffer.from(inner), salt])).digest('hex')}`;
}

/** The keys SCRAM derives from a password and salt (RFC 5802). */
export function scramKeys(password: string, salt: Buffer, iterations: number): { storedKey: Buffer; serverKey: Buffer } {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  return { storedKey: sha256(hmac(salted, 'Client Key')), serverKey: hmac(salted, 'Server Key') };
}

function attrs(msg: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of msg.split(',')) { const i = part.indexOf('='); if (i > 0) m.set(part.slice(0, i), part.slice(i + 1)); }
  return m;
}

/**
 * The server side of one SCRAM-SHA-256 exchange (no channel binding):
 *
 * ```
 *   client-first  "n,,n=,r=<cnonce>"            -> serverFirst() "r=<cnonce><snonce>,s=<salt>,i=<n>"
 *   client-final  "c=biws,r=<nonce>,p=<proof>"  -> serverFinal() "v=<signature>" | throws
 * ```
 */
export class ScramServer {
  private clientFirstBare = '';
  private serverFirstMessage = '';
  private nonce = '';
  private readonly salt: Buffer;

  constructor(private readonly password: string, private readonly iterations = 4096, salt?: Buffer, private readonly serverNonce = randomBytes(18).toString('base64')) {
    this.salt = salt ?? randomBytes(16);
  }

  /** Handles client-first-message; returns server-first-message. */
  serverFirst(clientFirst: string): string {
    const gs2 = /^([nyp])(=[^,]*)?,([^,]*),(.*)$/.exec(clientFirst);
    if (!gs2) throw new Error('malformed SCRAM client-first-message');
    if (gs2[1] === 'p') throw new Error('SCRAM channel binding is not supported');
    this.clientFirstBare = gs2[4]!;
    const cnonce = attrs(this.clientFirstBare).get('r');
    if (!cnonce) throw new Error('SCRAM client-first-message has no nonce');
    this.nonce = cnonce + this.serverNonce;
    this.serverFirstMessage = `r=${this.nonce},s=${this.salt.toString('base64')},i=${this.iterations}`;
    return this.serverFirstMessage;
  }

  /** Checks client-final-message; returns server-final-message, or throws when the proof is wrong. */
  serverFinal(clientFinal: string): string {
    const a = attrs(clientFinal);
    const proofB64 = a.get('p');
    if (a.get('r') !== this.nonce || !proofB64 || !a.has('c')) throw new Error('malformed SCRAM client-final-message');
    const withoutProof = clientFinal.slice(0, clientFinal.lastIndexOf(',p='));
    const authMessage = `${this.clientFirstBare},${this.serverFirstMessage},${withoutProof}`;
    const { storedKey, serverKey } = scramKeys(this.password, this.salt, this.iterations);
    const proof = Buffer.from(proofB64, 'base64');
    const signature = hmac(storedKey, authMessage);
    if (proof.length !== signature.length) throw new Error('password mismatch');
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ signature[i]!;
    if (!timingSafeEqual(sha256(clientKey), storedKey)) throw new Error('password mismatch');
    return `v=${hmac(serverKey, authMessage).toString('base64')}`;
  }
}
