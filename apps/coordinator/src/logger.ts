/** @module The process logger (pino, JSON lines on stdout). */
import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'c3po-coordinator' } });
}
