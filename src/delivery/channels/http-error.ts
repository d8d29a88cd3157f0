// The `error` text of a failed HTTP exchange, for the person reading the call history (CONTRACT.md
// DeliveryAttempt.error: "timeout, connection refused, DNS, TLS, blocked target…"). Node and undici give codes; the
// few undici errors without one (a proxy's refusal) are read from their message, the only place they say it.
import { BLOCKED_TARGET_CODE } from './http-agent.js';

type ErrorLike = { name?: string; code?: string; message?: string; cause?: ErrorLike };

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ENODATA']);

/** OpenSSL's verify results (X509_V_ERR_*) as Node names them: the chain does not end at a trusted CA. */
const UNTRUSTED_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'CERT_REJECTED',
]);

/** The codes an old-protocol-only server produces: it answered our TLS 1.2+ hello with a protocol_version alert. */
const PROTOCOL_VERSION_CODES = new Set(['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'ERR_SSL_UNSUPPORTED_PROTOCOL', 'ERR_SSL_NO_PROTOCOLS_AVAILABLE']);

function describeTls(code: string, message: string): string | null {
  if (UNTRUSTED_CODES.has(code)) return `TLS: certificate not trusted (${code})`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `TLS: certificate does not match the host (${message})`;
  if (code === 'CERT_HAS_EXPIRED') return 'TLS: certificate expired (CERT_HAS_EXPIRED)';
  if (code === 'CERT_NOT_YET_VALID') return 'TLS: certificate not yet valid (CERT_NOT_YET_VALID)';
  if (PROTOCOL_VERSION_CODES.has(code) || /protocol version|unsupported protocol|no protocols available/i.test(message)) {
    return `TLS: the server does not offer TLS 1.2 or newer (${code || message})`;
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER') return `TLS: the server did not answer in TLS (is it plain HTTP?) (${code})`;
  if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED)/.test(code) || /certificate|TLS|SSL/i.test(message)) {
    return `TLS: ${message}${code && !message.includes(code) ? ` (${code})` : ''}`;
  }
  return null;
}

/**
 * The error text of an exchange that got no HTTP answer. `proxied`: every socket goes to the proxy, so a refused
 * connection is the proxy's, and a tunnel it would not open is said to be the proxy's answer, not the target's.
 */
export function describeHttpError(error: unknown, timeoutMs: number, proxied = false): string {
  const err = (error ?? {}) as ErrorLike;
  const cause = err.cause ?? {};
  const code = err.code ?? cause.code ?? '';
  const message = err.message ?? String(error);
  const proxyPrefix = proxied ? 'proxy: ' : '';
  // Not `AbortError`: undici names its RequestAbortedError so, and uses it for a proxy's refusal too. The one abort we
  // cause is the attempt's timeout signal, whose reason is a TimeoutError.
  if (err.name === 'TimeoutError' || cause.name === 'TimeoutError' || TIMEOUT_CODES.has(code)) {
    return `timeout after ${timeoutMs} ms`;
  }
  if (code === BLOCKED_TARGET_CODE || cause.code === BLOCKED_TARGET_CODE) {
    const text = code === BLOCKED_TARGET_CODE ? message : (cause.message ?? message);
    return text.startsWith('blocked target') ? text : `blocked target: ${text}`;
  }
  const tunnel = /^Proxy response \((\d+)\)/.exec(message);
  if (tunnel) return `proxy: refused to open a tunnel (HTTP ${tunnel[1]})`;
  if (/Proxy Authentication Required/.test(message)) return 'proxy: authentication required (HTTP 407)';
  if (code === 'UND_ERR_PRX_TLS') return `proxy: TLS: ${cause.message ?? message}`;
  if (code === 'ECONNREFUSED') return `${proxyPrefix}connection refused`;
  if (DNS_CODES.has(code)) return `${proxyPrefix}DNS: host not found (${code})`;
  const tls = describeTls(code, message);
  if (tls) return tls;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return 'connection reset';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `${proxyPrefix}host unreachable (${code})`;
  return `${code ? `${code}: ` : ''}${message}`;
}
