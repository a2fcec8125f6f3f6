/**
 * A one-line progress bar for loads: done/total, rows/s and ETA. Redraws in
 * place on a TTY (at most every 100 ms); elsewhere (CI logs, pipes) prints a
 * plain line every 10% so logs stay short.
 *
 * @example
 * const bar = new ProgressBar('strata', totalRows, 'rows');
 * bar.tick(5000);
 * bar.finish();
 */
export class ProgressBar {
  private done = 0;
  private readonly startedMs = Date.now();
  private lastDrawMs = 0;
  private lastDecile = -1;
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit = 'rows',
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(out.isTTY);
  }

  tick(n: number): void {
    this.done += n;
    const now = Date.now();
    if (this.tty) {
      if (now - this.lastDrawMs >= 100 || this.done >= this.total) {
        this.lastDrawMs = now;
        this.out.write('\r' + this.render(now) + '\x1b[K');
      }
    } else {
      const decile = Math.floor((this.done / this.total) * 10);
      // The last line comes from finish().
      if (decile !== this.lastDecile && this.done < this.total) {
        this.lastDecile = decile;
        this.out.write(this.render(now) + '\n');
      }
    }
  }

  finish(note = ''): void {
    const line = this.render(Date.now()) + (note ? `  ${note}` : '');
    this.out.write(this.tty ? '\r' + line + '\x1b[K\n' : line + '\n');
  }

  render(nowMs: number): string {
    const width = 24;
    const frac = this.total > 0 ? Math.min(1, this.done / this.total) : 1;
    const filled = Math.round(frac * width);
    const elapsedS = Math.max(1e-3, (nowMs - this.startedMs) / 1000);
    const rate = this.done / elapsedS;
    const etaS = rate > 0 ? (this.total - this.done) / rate : Infinity;
    return (
      `${this.label.padEnd(16)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ` +
      `${(frac * 100).toFixed(0).padStart(3)}% ${this.done}/${this.total} ${this.unit} ` +
      `${formatCount(rate)} ${this.unit}/s ETA ${Number.isFinite(etaS) ? formatDuration(etaS) : '?'}`
    );
  }
}

export function formatCount(n: number): string {
  if (n >= 1e6) return (n / 1e6).toFixed(2) + 'M';
  if (n >= 1e3) return (n / 1e3).toFixed(1) + 'k';
  return n.toFixed(0);
}

export function formatDuration(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}
