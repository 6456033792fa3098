/**
 * The HTTP transport provider clients use by default: undici's `request` over a shared keep-alive
 * pool, behind the small part of the `fetch` interface the clients need (status, headers.get,
 * text()). Measured on this project's loopback fake: ~3× the requests per second of the global
 * `fetch` (whose WHATWG machinery dominates when the network itself is fast), which is what lets
 * one executor send a large batch at the provider's rate limit rather than at its own.
 *
 * Timeouts and aborts keep fetch's error names (TimeoutError/AbortError come from the signal), so
 * callers classify errors the same way whichever transport is used.
 */
import { Agent, request } from 'undici';

const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000 });

interface MinimalResponse {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export async function providerFetch(
  input: string | URL | Request,
  init: RequestInit = {},
): Promise<MinimalResponse> {
  const url =
    typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
  const signal = init.signal ?? undefined;
  try {
    const response = await request(url, {
      method: (init.method ?? 'GET') as 'GET',
      headers: init.headers as Record<string, string> | undefined,
      body: (init.body as string | undefined) ?? null,
      signal: signal ?? undefined,
      dispatcher: agent,
    });
    const text = await response.body.text();
    const headers = response.headers;
    return {
      status: response.statusCode,
      headers: {
        get(name: string) {
          const v = headers[name.toLowerCase()];
          return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
        },
      },
      text: async () => text,
    };
  } catch (error) {
    // undici reports an aborted request with its own error; surface the signal's reason like fetch
    // does.
    if (signal?.aborted)
      throw signal.reason instanceof Error
        ? signal.reason
        : Object.assign(new Error('aborted'), { name: 'AbortError' });
    throw Object.assign(new TypeError('fetch failed'), { cause: error });
  }
}

/** `providerFetch` typed as `fetch` for clients whose options take one. */
export const defaultProviderFetch = providerFetch as unknown as typeof fetch;
