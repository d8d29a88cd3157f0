// A failed SMTP send, in the outcome's terms: the reply code and text, the error for the call history, and whether
// no later attempt could succeed. RFC 5321 §4.2.1: 4yz is "transient negative" (try again), 5yz "permanent
// negative" — except 503 (bad sequence of commands), which says the session was in the wrong state, not that the
// message was refused; nodemailer's `permanent` flag encodes exactly that, so we take it.
type SmtpErrorLike = {
  name?: string;
  code?: string;
  originalCode?: string;
  message?: string;
  response?: string;
  responseCode?: number;
  permanent?: boolean;
};

export type SmtpFailure = {
  status: number | null;
  responseBody: string | null;
  error: string;
  permanent: boolean;
};

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);

export function describeSmtpError(error: unknown, timeoutMs: number): SmtpFailure {
  const err = (error ?? {}) as SmtpErrorLike;
  const message = err.message ?? String(error);
  const socketCode = err.originalCode ?? err.code ?? '';
  const noReply = (text: string): SmtpFailure => ({ status: null, responseBody: null, error: text, permanent: false });

  if (err.name === 'TimeoutError' || err.code === 'ETIMEDOUT' || err.code === 'EABORT') return noReply(`timeout after ${timeoutMs} ms`);
  if (err.code === 'EAUTH' || err.code === 'ENOAUTH') {
    // Hookstream's own credentials, not the recipient's doing: fixing SMTP_URL lets the retries through, so never permanent.
    return { status: err.responseCode ?? null, responseBody: err.response ?? null, error: `SMTP authentication failed${err.response ? `: ${err.response}` : ''}`, permanent: false };
  }
  if (typeof err.responseCode === 'number') {
    const reply = err.response ?? `${err.responseCode} ${message}`;
    const permanent = err.permanent ?? (err.responseCode >= 500 && err.responseCode < 600 && err.responseCode !== 503);
    return { status: err.responseCode, responseBody: reply, error: `SMTP ${reply}`, permanent };
  }
  if (socketCode === 'ECONNREFUSED') return noReply('connection refused');
  if (socketCode === 'ECONNRESET') return noReply('connection reset');
  if (DNS_CODES.has(socketCode)) return noReply(`DNS: host not found (${socketCode})`);
  if (err.code === 'EDNS') return noReply(`DNS: ${message}`);
  if (err.code === 'ETLS' || /certificate|TLS|SSL/i.test(message)) return noReply(`TLS: ${message}`);
  return noReply(`SMTP: ${message}${err.code ? ` (${err.code})` : ''}`);
}
