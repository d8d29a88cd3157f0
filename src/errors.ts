// The one error type that may reach a client. Anything else thrown in a resolver is masked by yoga into a generic
// "Unexpected error." and logged: no stack traces, SQL or Prisma text ever crosses the wire.
import { GraphQLError } from 'graphql';

export const ERROR_CODES = Object.freeze({
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  CONFLICT: 'CONFLICT',
  ARCHIVED: 'ARCHIVED',
} as const);

export type ErrorCode = keyof typeof ERROR_CODES;

export class HookstreamError extends GraphQLError {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, extra: { field?: string; [key: string]: unknown } = {}) {
    const extensions: Record<string, unknown> = { code, ...extra };
    // A missing or wrong credential is HTTP 401; a valid one that may not do this (a read-only portal session) says so
    // with its own status.
    if (code === 'UNAUTHENTICATED' && extra['http'] === undefined) extensions['http'] = { status: 401 };
    super(message, { extensions });
    this.code = code;
  }
}

export const badInput = (field: string, message: string) => new HookstreamError('BAD_USER_INPUT', message, { field });

export const notFound = (what: string) => new HookstreamError('NOT_FOUND', `${what} not found`);

export const unauthenticated = (message = 'A valid API key is required: send "Authorization: Bearer <apiKey>".') =>
  new HookstreamError('UNAUTHENTICATED', message);

/** A valid credential that may not do this (a read-only portal session's mutation): UNAUTHENTICATED, HTTP 403. */
export const notPermitted = (message: string) => new HookstreamError('UNAUTHENTICATED', message, { http: { status: 403 } });
