/** Structured JSON logs (pino). Modules get a logger passed in; per-incident work binds `{ incident }`. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'sitroom' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
