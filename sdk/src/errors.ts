// The one error the SDK throws for an operation that failed: the contract's `extensions.code` (and `field`, the input
// field a BAD_USER_INPUT names), so that callers branch on codes, never on messages.

export type GraphqlError = {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; field?: string; [key: string]: unknown };
};

/** The contract's error codes (CONTRACT.md "Errors"); NETWORK and UNKNOWN are the SDK's own. */
export type HookstreamErrorCode =
  | 'UNAUTHENTICATED'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'LIMIT_EXCEEDED'
  | 'PAYLOAD_TOO_LARGE'
  | 'CONFLICT'
  | 'ARCHIVED'
  | 'NETWORK'
  | 'UNKNOWN';

export class HookstreamError extends Error {
  override readonly name = 'HookstreamError';
  /** `extensions.code` of the first error (a string the contract may add to, hence not only the known ones). */
  readonly code: HookstreamErrorCode | (string & {});
  /** BAD_USER_INPUT: the input field, e.g. `url` or `inputs.3.data`. */
  readonly field: string | null;
  /** Every error of the answer, as the service sent them. */
  readonly errors: readonly GraphqlError[];
  /** The HTTP status of the answer (0: no answer came). */
  readonly status: number;

  constructor(errors: readonly GraphqlError[], status: number) {
    const [first] = errors;
    const code = first?.extensions?.code ?? 'UNKNOWN';
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    super(`${code}: ${first?.message ?? `the service answered HTTP ${status} without data`}${more}`);
    this.code = code;
    this.field = first?.extensions?.field ?? null;
    this.errors = errors;
    this.status = status;
  }
}
