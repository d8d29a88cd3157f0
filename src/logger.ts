// pino logs: pretty and readable for a person at a terminal in development (pino-pretty), one JSON object a line
// everywhere else, for log shippers. Secrets never reach a log line: the redact paths cover every place they could
// appear.
import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config.js';

export type { Logger };

export type LogFormat = 'pretty' | 'json';

export type LoggerOptions = {
  level: string;
  /** LOG_FORMAT; unset: see chooseLogFormat. */
  format?: LogFormat | undefined;
  isProduction?: boolean;
  /** Where lines go; default stdout. (Tests hand a stream that collects them.) */
  destination?: DestinationStream;
};

/**
 * LOG_FORMAT wins; unset, a person is probably watching when stdout is a terminal outside production, so pretty then,
 * and JSON for everything else (containers, files, pipes into a shipper, production).
 */
export function chooseLogFormat(options: { format?: LogFormat | undefined; isProduction: boolean; isTty: boolean }): LogFormat {
  if (options.format) return options.format;
  return !options.isProduction && options.isTty ? 'pretty' : 'json';
}

/** The configured logger: `createLogger(config)`. A bare level (tests, tools) logs JSON at that level. */
export function createLogger(options: LoggerOptions | Pick<Config, 'logLevel' | 'logFormat' | 'isProduction'> | string): Logger {
  const resolved: LoggerOptions =
    typeof options === 'string'
      ? { level: options, format: 'json' }
      : 'logLevel' in options
        ? { level: options.logLevel, format: options.logFormat, isProduction: options.isProduction }
        : options;
  const isTty = resolved.destination === undefined && process.stdout.isTTY === true;
  const format = chooseLogFormat({ format: resolved.format, isProduction: resolved.isProduction ?? false, isTty });
  const destination =
    format === 'pretty'
      ? pretty({
          colorize: isTty,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname,name',
          singleLine: true,
          sync: true,
          ...(resolved.destination ? { destination: resolved.destination } : {}),
        })
      : resolved.destination;
  const pinoOptions = {
    name: 'hookstream',
    level: resolved.level,
    redact: {
      paths: ['apiKey', 'secret', 'token', 'headers.authorization', 'req.headers.authorization', '*.secret', '*.apiKey', '*.token'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(pinoOptions, destination) : pino(pinoOptions);
}
