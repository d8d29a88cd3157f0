// describeSmtpError over the error shapes nodemailer documents (errors.d.ts: code, originalCode, responseCode,
// response, permanent) for the cases the real-server tests in email.test.ts do not produce.
import { describe, expect, it } from 'vitest';
import { describeSmtpError } from '../../src/delivery/channels/smtp-error.js';

const error = (message: string, fields: Record<string, unknown>) => Object.assign(new Error(message), fields);

describe('describeSmtpError', () => {
  it.each([
    ['a 5xx reply', error('Message failed', { code: 'EMESSAGE', responseCode: 552, response: '552 Message too big', permanent: true }), { status: 552, responseBody: '552 Message too big', error: 'SMTP 552 Message too big', permanent: true }],
    ['a 4xx reply at RCPT', error("Can't send mail", { code: 'EENVELOPE', responseCode: 450, response: '450 Mailbox busy', permanent: false }), { status: 450, error: 'SMTP 450 Mailbox busy', permanent: false }],
    ['a 5xx reply without nodemailer’s flag', error('Refused', { code: 'EENVELOPE', responseCode: 554, response: '554 No thanks' }), { status: 554, permanent: true }],
    ['a failed login (535)', error('Invalid login', { code: 'EAUTH', responseCode: 535, response: '535 Authentication failed', permanent: true }), { status: 535, error: 'SMTP authentication failed: 535 Authentication failed', permanent: false }],
    ['missing credentials', error('Missing credentials for "PLAIN"', { code: 'EAUTH' }), { status: null, error: 'SMTP authentication failed', permanent: false }],
    ['a refused connection', error('connect ECONNREFUSED 10.0.0.1:25', { code: 'ESOCKET', originalCode: 'ECONNREFUSED' }), { status: null, error: 'connection refused', permanent: false }],
    ['an unknown SMTP host', error('getaddrinfo ENOTFOUND smtp.nowhere', { code: 'EDNS', originalCode: 'ENOTFOUND' }), { status: null, error: 'DNS: host not found (ENOTFOUND)', permanent: false }],
    ['a TLS failure', error('self-signed certificate', { code: 'ETLS' }), { status: null, error: 'TLS: self-signed certificate', permanent: false }],
    ['a socket timeout', error('Timeout', { code: 'ETIMEDOUT', timeoutType: 'SOCKET_TIMEOUT' }), { status: null, error: 'timeout after 1500 ms', permanent: false }],
    ['a dropped connection', error('Connection closed unexpectedly', { code: 'ECONNECTION' }), { status: null, error: 'SMTP: Connection closed unexpectedly (ECONNECTION)', permanent: false }],
  ])('%s', (_name, input, expected) => {
    expect(describeSmtpError(input, 1_500)).toMatchObject(expected);
  });
});
