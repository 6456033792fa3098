/**
 * Xendit over HTTP: one request with a deadline (reading the body included), and the reading of
 * its answer — 2xx and 4xx come back parsed for the caller to interpret; no answer, 429 and 5xx are
 * ProviderErrors. Every message this module produces goes through the key's redaction.
 */
import { defaultProviderFetch } from '../http.js';
import { RateGate } from '../../../platform/payments/pool.js';
import { ProviderError } from '../../../platform/payments/provider.js';
import { xenditAuth, type XenditAuth } from './auth.js';
import { xenditRetryAt } from './rate-limit.js';
import { errorFrom, parseJson, UNPARSEABLE } from './wire.js';

const DEFAULT_TIMEOUT_MS = 15_000;
/**
 * A list call answered 429 waits for Xendit's reset and tries again, this often and this long at
 * most.
 */
const MAX_RATE_LIMIT_RETRIES = 3;
const MAX_RATE_LIMIT_WAIT_MS_PER_RETRY = 60_000;

export interface XenditOptions {
  baseUrl: string;
  secretKey: string;
  /** Deadline for one request including reading its body (default 15 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Sub-account to act for (`for-user-id` header, xenPlatform). */
  forUserId?: string;
}

export type Answer =
  | { kind: 'answered'; status: number; headers: Headers; text: string }
  | { kind: 'no_answer'; reason: string };

/** A read call's answer: its status and parsed body (undefined for a 4xx body that is not JSON). */
export type Read = { status: number; json: unknown };

export class XenditHttp {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #auth: XenditAuth;

  constructor(options: XenditOptions) {
    this.#auth = xenditAuth(options.secretKey, options.forUserId);
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new Error(`xendit: base URL "${options.baseUrl}" is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new Error(`xendit: base URL must be http(s), not ${url.protocol}`);
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new Error('xendit: timeoutMs must be positive');
    // Called through a wrapper: some fetch implementations insist on being called unbound.
    this.#fetch = options.fetch ?? defaultProviderFetch;
  }

  /**
   * A GET that honours Xendit's 429: every call sharing `gate` waits until the reset Xendit named,
   * then tries again — at most MAX_RATE_LIMIT_RETRIES times and only for a wait Xendit puts within
   * MAX_RATE_LIMIT_WAIT_MS_PER_RETRY; past that the 'rate_limited' ProviderError stands.
   */
  async readPatiently(path: string, gate: RateGate): Promise<Read> {
    for (let retry = 0; ; retry++) {
      await gate.wait();
      try {
        return await this.read('GET', path);
      } catch (error) {
        if (
          !(error instanceof ProviderError) ||
          error.reason !== 'rate_limited' ||
          retry >= MAX_RATE_LIMIT_RETRIES
        )
          throw error;
        const retryAt = error.retryAt ?? Date.now() + 1000;
        if (retryAt - Date.now() > MAX_RATE_LIMIT_WAIT_MS_PER_RETRY) throw error;
        gate.pause(retryAt);
      }
    }
  }

  /**
   * A read call: 2xx and 4xx come back (parsed; `undefined` for a 4xx body that is not JSON) for
   * the caller to interpret; no answer, 429, 5xx, other statuses and a 2xx that is not JSON throw.
   */
  async read(method: 'GET' | 'POST', path: string): Promise<Read> {
    const answer = await this.send(method, path, {});
    if (answer.kind === 'no_answer')
      throw new ProviderError('xendit', 'unavailable', answer.reason);
    const { status } = answer;
    if (status === 429) {
      throw new ProviderError(
        'xendit',
        'rate_limited',
        `${method} ${pathOnly(path)}: rate limited (HTTP 429)`,
        'RATE_LIMIT_EXCEEDED',
        xenditRetryAt(answer.headers),
      );
    }
    if (status >= 500) {
      throw new ProviderError(
        'xendit',
        'unavailable',
        this.redact(`${method} ${pathOnly(path)}: HTTP ${status}${this.codeSuffix(answer.text)}`),
      );
    }
    const json = parseJson(answer.text);
    if (status >= 200 && status < 300) {
      if (json === UNPARSEABLE)
        throw this.invalid(
          `${method} ${pathOnly(path)}: HTTP ${status} with a body that is not JSON`,
        );
      return { status, json };
    }
    if (status >= 400) return { status, json: json === UNPARSEABLE ? undefined : json };
    throw this.invalid(`${method} ${pathOnly(path)}: unexpected HTTP ${status}`);
  }

  async send(
    method: 'GET' | 'POST',
    path: string,
    init: { body?: string; idempotencyKey?: string },
  ): Promise<Answer> {
    const headers = this.#auth.headers();
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    if (init.idempotencyKey !== undefined) headers['Idempotency-key'] = init.idempotencyKey;
    try {
      const response = await this.#fetch(this.baseUrl + path, {
        method,
        headers,
        ...(init.body !== undefined ? { body: init.body } : {}),
        // Covers reading the body too: a server that stalls mid-answer is a timeout as well.
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await response.text();
      return { kind: 'answered', status: response.status, headers: response.headers, text };
    } catch (error) {
      return {
        kind: 'no_answer',
        reason: this.redact(
          `${method} ${pathOnly(path)}: ${describeFetchError(error, this.timeoutMs)}`,
        ),
      };
    }
  }

  /** " CODE: message" of an error body, or nothing. */
  codeSuffix(text: string): string {
    const error = errorFrom(parseJson(text));
    return error ? ` ${error.code}: ${truncate(error.message)}` : '';
  }

  rejection(status: number, json: unknown): ProviderError {
    const error = errorFrom(json);
    if (error === null) return this.invalid(`HTTP ${status} without an error code`);
    return new ProviderError(
      'xendit',
      'rejected',
      this.redact(`HTTP ${status} ${error.code}: ${truncate(error.message)}`),
      this.redact(error.code),
    );
  }

  invalid(message: string): ProviderError {
    return new ProviderError('xendit', 'invalid_response', this.redact(message));
  }

  /** Belt and braces: no message leaves this client with the key or its Basic form in it. */
  redact(text: string): string {
    return this.#auth.redact(text);
  }
}

function truncate(text: string, max = 300): string {
  return text.length > max ? text.slice(0, max) + '…' : text;
}

/**
 * The path without its query string: queries can carry references, which are fine, but stay short.
 */
function pathOnly(path: string): string {
  const q = path.indexOf('?');
  return q < 0 ? path : path.slice(0, q);
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  const e = error as {
    name?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (e?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (e?.name === 'AbortError') return 'request aborted';
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `network error${cause ? ` (${cause})` : e?.message ? ` (${e.message})` : ''}`;
}
