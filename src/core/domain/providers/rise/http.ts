/**
 * Rise over HTTP: one call with a deadline, and its answer sorted into data or a failure that says
 * whether anything can be trusted (timeout, network, 5xx: no; a 4xx: a refusal; not the documented
 * `{ success, data }` envelope: invalid). Bodies are written and read losslessly.
 */
import { stringify as stringifyLossless } from 'lossless-json';
import { z } from 'zod';
import { errorCode, parseJson } from './wire.js';

export const DEFAULT_RETRY_AFTER_MS = 30_000;

export interface HttpFailure {
  /**
   * timeout/network/server: no answer we can trust; rejected: a 4xx; invalid: not the documented
   * shape.
   */
  kind: 'timeout' | 'network' | 'server' | 'rate_limited' | 'rejected' | 'invalid';
  status: number | null;
  code: string | null;
  message: string;
  retryAt: number | null;
}
export type HttpResult = { ok: true; data: unknown } | { ok: false; failure: HttpFailure };

export interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
}

/** Where and how calls go; `redact` cuts every secret out of a message. */
export interface RiseTransport {
  baseUrl: string;
  timeoutMs: number;
  fetch: typeof fetch;
  now: () => number;
  redact(text: string): string;
}

export function fail(
  kind: HttpFailure['kind'],
  message: string,
  extra: Partial<HttpFailure> = {},
): HttpResult {
  return {
    ok: false,
    failure: { kind, message, status: null, code: null, retryAt: null, ...extra },
  };
}

/** A failure that is not about HTTP at all (an answer we cannot use). */
export function invalid(message: string): HttpFailure {
  return { kind: 'invalid', message, status: null, code: null, retryAt: null };
}

function retryAtFrom(header: string | null, now: number): number {
  const seconds =
    header !== null && /^\d+$/.test(header.trim()) ? Number.parseInt(header.trim(), 10) : null;
  return now + (seconds !== null ? seconds * 1000 : DEFAULT_RETRY_AFTER_MS);
}

type Exchange = { status: number; text: string; retryAfter: string | null };

/** The request and its whole answer, or the failure of getting one (timeout, network). */
async function exchange(
  t: RiseTransport,
  call: Call,
  bearer: string | null,
): Promise<Exchange | HttpResult> {
  const url = new URL(t.baseUrl + call.path);
  for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), t.timeoutMs);
  const doFetch = t.fetch; // called unbound, as fetch implementations expect
  try {
    const response = await doFetch(url, {
      method: call.method,
      headers,
      body: call.body === undefined ? undefined : stringifyLossless(call.body),
      signal: controller.signal,
    });
    const retryAfter = response.headers.get('retry-after');
    return { status: response.status, retryAfter, text: await response.text() };
  } catch (error) {
    if (controller.signal.aborted)
      return fail('timeout', `${call.method} ${call.path} timed out after ${t.timeoutMs} ms`);
    return fail(
      'network',
      `${call.method} ${call.path} failed: ${t.redact((error as Error).message)}`,
    );
  } finally {
    clearTimeout(timer);
  }
}

/** One call: its data, or why there is none. */
export async function send(
  t: RiseTransport,
  call: Call,
  bearer: string | null,
): Promise<HttpResult> {
  const answer = await exchange(t, call, bearer);
  if ('ok' in answer) return answer;
  const { status, text, retryAfter } = answer;
  let body: unknown;
  try {
    body = text === '' ? undefined : parseJson(text);
  } catch {
    body = undefined;
  }
  const { code, message } = errorCode(body);
  const describe = `${call.method} ${call.path} → HTTP ${status}${code ? ` ${code}` : ''}${message ? `: ${t.redact(message)}` : ''}`;
  if (status === 429)
    return fail('rate_limited', describe, {
      status,
      code,
      retryAt: retryAtFrom(retryAfter, t.now()),
    });
  if (status >= 500) return fail('server', describe, { status, code });
  if (status >= 400) return fail('rejected', describe, { status, code });
  const envelope = z.object({ success: z.boolean(), data: z.unknown().optional() }).safeParse(body);
  if (!envelope.success)
    return fail(
      'invalid',
      `${call.method} ${call.path} → HTTP ${status}: not a {success, data} answer`,
      { status },
    );
  if (!envelope.data.success) return fail('rejected', describe, { status, code });
  return { ok: true, data: envelope.data.data };
}
