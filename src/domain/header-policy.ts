/**
 * Which custom headers a webhook may add to its requests (`CreateWebhookInput.headers`, e.g. an
 * Authorization header). A header we refuse here would otherwise either break the request at send
 * time or override something the contract fixes.
 */

export type HeaderCheck = { ok: true } | { ok: false; reason: string };

/** RFC 9110 §5.1: field-name = token; §5.6.2: tchar. */
const TOKEN_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const MAX_NAME_LENGTH = 256;
const MAX_VALUE_LENGTH = 4096;
/**
 * RFC 9110 §5.5: a field value is visible characters, obs-text (0x80–0xFF), spaces and tabs.
 * Node's HTTP client refuses anything else at send time, so we refuse it when the webhook is saved.
 */
const FIELD_VALUE_PATTERN = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Prefix of the Standard Webhooks headers (`webhook-id`, `-timestamp`, `-signature`): ours alone. */
const RESERVED_PREFIX = 'webhook-';

/**
 * Names a webhook may not set, lower-case, each with why:
 * - `host`: the URL decides where the request goes; a different Host header is request smuggling bait.
 * - `content-length`, `transfer-encoding`: framing is the HTTP client's job (RFC 9112 §6).
 * - `content-type`: CONTRACT.md fixes `Content-Type: application/json`.
 * - `content-encoding`: the body is sent as is; claiming an encoding would corrupt it for the receiver.
 * - `connection`, `keep-alive`, `proxy-connection`, `te`, `trailer`, `upgrade`: hop-by-hop,
 *   connection-level (RFC 9110 §7.6.1); undici refuses several of them outright.
 * - `expect`: `100-continue` would change how the request is sent.
 */
const FORBIDDEN_NAMES: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'content-type',
  'content-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
  'expect',
]);

/** Whether one custom header may be saved on a webhook; `reason` is fit to show the user. */
export function checkCustomHeader(name: string, value: string): HeaderCheck {
  if (name.length === 0) return { ok: false, reason: 'header name is empty' };
  if (name.length > MAX_NAME_LENGTH) {
    return { ok: false, reason: `header name is longer than ${MAX_NAME_LENGTH} characters` };
  }
  if (!TOKEN_PATTERN.test(name)) {
    return { ok: false, reason: `header name "${name}" is not a valid HTTP field name` };
  }
  const lowerName = name.toLowerCase();
  if (FORBIDDEN_NAMES.has(lowerName) || lowerName.startsWith(RESERVED_PREFIX)) {
    return { ok: false, reason: `header "${name}" is set by Hookstream and cannot be overridden` };
  }
  if (value.length > MAX_VALUE_LENGTH) {
    return { ok: false, reason: `value of header "${name}" is longer than ${MAX_VALUE_LENGTH} characters` };
  }
  // CR/LF would start a new header line (header injection); NUL truncates in some servers.
  if (/[\r\n\0]/.test(value)) {
    return { ok: false, reason: `value of header "${name}" contains a line break or NUL character` };
  }
  if (!FIELD_VALUE_PATTERN.test(value)) {
    return {
      ok: false,
      reason: `value of header "${name}" contains a control character or a character outside Latin-1`,
    };
  }
  return { ok: true };
}

/**
 * Whether a webhook's whole header list may be saved: each header as above, and no name twice
 * (case-insensitively, as HTTP compares them), since a second value would be merged or dropped.
 */
export function checkCustomHeaders(headers: readonly { name: string; value: string }[]): HeaderCheck {
  const seenNames = new Set<string>();
  for (const { name, value } of headers) {
    const check = checkCustomHeader(name, value);
    if (!check.ok) return check;
    const lowerName = name.toLowerCase();
    if (seenNames.has(lowerName)) return { ok: false, reason: `header "${name}" is given more than once` };
    seenNames.add(lowerName);
  }
  return { ok: true };
}
