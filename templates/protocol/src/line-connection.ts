import type { Socket } from 'node:net';
import { createSession, type Logger, type QueryService, type Session } from '@strata/kernel';
import { appendCsvRows, csvHeader } from './csv-encoder.js';
import { errorLine, lineTooLong, tooManyRows } from './errors.js';
import type { __PASCAL_NAME__Options } from './options.js';

/** Lines buffered ahead of the one running; past this we stop reading the socket (back-pressure). */
const QUEUED_LINES_MAX = 1024;
const NEWLINE = 0x0a;
/** Queued in place of a line that went past maxLineBytes (a symbol: no client text can equal it). */
const TOO_LONG = Symbol('line too long');

/**
 * One client connection. Framing: a request is one line of UTF-8 text (`\n`
 * or `\r\n`) holding one or more `;`-separated SQL statements. Lines run one
 * at a time, in order (clients may pipeline). Each statement is answered by:
 *
 * ```
 *   SELECT host, v FROM cpu       -> host,v          (header)
 *                                    a,1.5           (rows, CSV)
 *                                    OK 1            (rows returned)
 *   INSERT INTO cpu VALUES (...)  -> OK 3            (rows affected)
 *   SELECT * FROM nope            -> ERR 4001 TABLE_NOT_FOUND Table not found: ...
 * ```
 *
 * `QUIT` answers `BYE` and closes; an empty line is ignored.
 */
export class LineConnection {
  private readonly session: Session;
  private readonly lines: Array<string | typeof TOO_LONG> = [];
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** Dropping the rest of a line that went past maxLineBytes. */
  private skipping = false;
  private wake?: () => void;
  private closed = false;
  private draining = false;
  private idleTimer?: NodeJS.Timeout;
  private readonly abort = new AbortController();
  /** Resolves when the connection is closed and its loop has ended. */
  readonly done: Promise<void>;

  constructor(private readonly socket: Socket, private readonly options: __PASCAL_NAME__Options,
    private readonly query: QueryService, private readonly logger: Logger) {
    this.session = createSession({ channel: '__NAME__', database: options.database });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => { this.closed = true; this.wake?.(); });
    socket.on('close', () => { this.closed = true; this.abort.abort(); this.wake?.(); });
    socket.on('error', (err) => this.logger.debug({ err: err.message }, '__NAME__ connection error'));
    this.armIdleTimer();
    this.done = this.loop().catch((err: unknown) => {
      this.logger.error({ err: err instanceof Error ? err.message : String(err) }, '__NAME__ connection failed');
    }).finally(() => { clearTimeout(this.idleTimer); this.socket.destroy(); });
  }

  /** Stops reading; lines already received are still answered, then the socket is ended. */
  drain(): void {
    this.draining = true;
    this.socket.pause();
    this.wake?.();
  }

  /** Cuts the connection now, cancelling a running statement. */
  destroy(): void {
    this.closed = true;
    this.abort.abort();
    this.socket.destroy();
    this.wake?.();
  }

  private armIdleTimer(): void {
    clearTimeout(this.idleTimer);
    if (this.options.idleTimeout > 0) {
      this.idleTimer = setTimeout(() => {
        this.logger.debug({}, '__NAME__ connection idle; closing');
        this.socket.end();
      }, this.options.idleTimeout);
      this.idleTimer.unref();
    }
  }

  /** Splits the byte stream into lines without decoding partial UTF-8 sequences. */
  private onData(chunk: Buffer): void {
    if (this.draining) return;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl < 0 ? chunk.length : nl;
      if (!this.skipping) {
        if (this.partialBytes + (end - start) > this.options.maxLineBytes) {
          // Keep the framing: answer once, then drop bytes up to the next newline.
          this.skipping = true;
          this.partial = []; this.partialBytes = 0;
          this.lines.push(TOO_LONG);
        } else if (end > start) {
          this.partial.push(chunk.subarray(start, end));
          this.partialBytes += end - start;
        }
      }
      if (nl < 0) break;
      if (!this.skipping) {
        let line = Buffer.concat(this.partial, this.partialBytes).toString('utf8');
        if (line.endsWith('\r')) line = line.slice(0, -1);
        this.lines.push(line);
      }
      this.partial = []; this.partialBytes = 0; this.skipping = false;
      start = nl + 1;
    }
    if (this.lines.length >= QUEUED_LINES_MAX) this.socket.pause();
    this.wake?.();
  }

  private async loop(): Promise<void> {
    for (;;) {
      while (this.lines.length === 0) {
        if (this.closed || this.draining) { this.socket.end(); return; }
        await new Promise<void>((resolve) => { this.wake = resolve; });
        this.wake = undefined;
      }
      const line = this.lines.shift()!;
      if (!this.draining && this.lines.length < QUEUED_LINES_MAX / 2) this.socket.resume();
      clearTimeout(this.idleTimer);
      const keepOpen = await this.answer(line);
      if (!keepOpen || this.socket.destroyed) { this.socket.end(); return; }
      this.armIdleTimer();
    }
  }

  /** Answers one request line; false when the connection should close. */
  private async answer(line: string | typeof TOO_LONG): Promise<boolean> {
    if (line === TOO_LONG) return this.write([errorLine(lineTooLong(this.options.maxLineBytes))]);
    const sql = line.trim();
    if (sql === '') return true;
    if (/^(quit|exit|\\q);?$/i.test(sql)) { await this.write(['BYE']); return false; }
    try {
      for await (const out of this.query.execute(sql, this.session, { timeoutMs: this.options.queryTimeout, signal: this.abort.signal })) {
        if (out.kind === 'affected') {
          if (!await this.write([`OK ${out.affectedRows}`])) return false;
          continue;
        }
        if (!await this.write([csvHeader(out.columns.map((c) => c.name))])) return false;
        let rows = 0;
        for await (const batch of out.batches) {
          if (rows + batch.numRows > this.options.maxResultRows) throw tooManyRows(this.options.maxResultRows);
          const text: string[] = [];
          appendCsvRows(batch, batch.numRows, text);
          rows += batch.numRows;
          if (!await this.write(text)) return false;
        }
        if (!await this.write([`OK ${rows}`])) return false;
      }
    } catch (err) {
      return this.write([errorLine(err)]);
    }
    return true;
  }

  /** Writes lines, waiting for the socket to drain when its buffer is full; false when it closed. */
  private async write(lines: readonly string[]): Promise<boolean> {
    if (this.socket.destroyed || this.socket.writableEnded) return false;
    if (lines.length === 0) return true;
    if (this.socket.write(`${lines.join('\n')}\n`)) return true;
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => { this.socket.off('drain', onDrain); this.socket.off('close', onClose); resolve(ok); };
      const onDrain = () => done(true);
      const onClose = () => done(false);
      this.socket.once('drain', onDrain);
      this.socket.once('close', onClose);
    });
  }
}
