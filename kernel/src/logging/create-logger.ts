import { pino } from 'pino';
import type { Logger } from '../interfaces/logger.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go: 'stdout' (default), 'stderr', or a file descriptor. */
  destination?: 'stdout' | 'stderr' | number;
  /** Fields on every line (e.g. the server name). */
  base?: Record<string, unknown>;
}

/**
 * Creates the structured JSON logger of one server. Plugins get a child
 * bound to `{ plugin }`.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const fd = options.destination === 'stderr' ? 2 : typeof options.destination === 'number' ? options.destination : 1;
  return pino({
    level: options.level ?? 'info',
    base: options.base ?? {},
    timestamp: pino.stdTimeFunctions.isoTime,
  }, pino.destination({ dest: fd, sync: true })) as unknown as Logger;
}
