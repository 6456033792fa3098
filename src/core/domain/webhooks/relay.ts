/**
 * The webhook relay: a small HTTP server that receives provider webhooks and stores them in the
 * central store, where every workstation sees them. A desktop cannot take webhooks itself (the
 * providers need a public HTTPS URL), so this runs next to the central database behind a TLS
 * terminating proxy; it holds only the two webhook secrets, never a provider API key.
 *
 *   POST /webhooks/xendit   header `x-callback-token` (Xendit's static token, compared in constant
 * time)
 *   POST /webhooks/rise     header `X-Rise-Signature: t=…,v1=…` (HMAC-SHA256 over `t.body`, 5 min
 * window)
 *   GET  /healthz           200 "ok"
 *
 * Answers: 200 once the event is stored (or was already: a duplicate changes nothing), 400 for a
 * body that is not JSON or not an event, 401 for a bad or missing token/signature, 413 for a body
 * over the limit, 503 when that provider's secret is not configured (the provider retries for
 * hours, time enough to configure it), 500 when the store failed (the provider retries).
 * The event is stored before 200 is sent: answering first would lose events the process dies on.
 * Storing one event is one short transaction, well within the providers' answer deadlines (Xendit:
 * 30 s).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TextDecoder } from 'node:util';
import type { CentralStore, CentralTx } from '../../platform/central/store.js';
import { assertProviderSecretAllowed } from '../../platform/credentials/policy.js';
import type { CredentialStore } from '../../platform/credentials/store.js';
import { CREDENTIAL_ACCOUNTS } from '../providers/registry.js';
import { centralNow } from '../../platform/central/clock.js';
import { verifyRiseSignature } from '../providers/rise/rise.js';
import { verifyXenditCallbackToken } from '../providers/xendit/xendit.js';
import {
  ingestEvent,
  parseRiseEvent,
  parseXenditEvent,
  WebhookBodyError,
  type IngestResult,
  type ParsedEvent,
} from './ingest.js';

export const RELAY_WORKSTATION_ID = 'webhook-relay';
/** Provider webhook bodies are a few KiB; anything near this is not a webhook. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

export interface WebhookRelayOptions {
  store: CentralStore;
  /** 0 picks a free port (see `url`). */
  port: number;
  host?: string;
  xenditCallbackToken?: string | undefined;
  riseWebhookSecret?: string | undefined;
  /**
   * Clock in epoch ms, for tests: the Rise signature window and the dating of what is received.
   * Absent, both use the central store's clock (the relay's machine may be hours off).
   */
  now?: () => number;
  maxBodyBytes?: number;
  /** One line per request outcome; never carries a header value or a body. */
  log?: (line: string) => void;
}

export interface WebhookRelay {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The relay's secrets, from the credential store only (never from flags or files; from a file vault
 * only when allowed).
 */
export async function webhookSecretsFromCredentials(
  credentials: CredentialStore,
  db: CentralTx,
): Promise<{ xenditCallbackToken?: string; riseWebhookSecret?: string }> {
  await assertProviderSecretAllowed(credentials, db, 'the webhook relay cannot verify deliveries');
  const [xendit, rise] = await Promise.all([
    credentials.get(CREDENTIAL_ACCOUNTS.xenditCallbackToken),
    credentials.get(CREDENTIAL_ACCOUNTS.riseWebhookSecret),
  ]);
  return {
    ...(xendit ? { xenditCallbackToken: xendit } : {}),
    ...(rise ? { riseWebhookSecret: rise } : {}),
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit)
    return Promise.reject(new HttpError(413, `the body is larger than ${limit} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, `the body is larger than ${limit} bytes`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        // Fatal decoding: a body that is not UTF-8 is refused, not silently mangled (Rise signs the
        // bytes).
        resolve(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)));
      } catch {
        reject(new HttpError(400, 'the body is not UTF-8'));
      }
    });
    req.on('error', reject);
  });
}

/** The path without its query: nothing a sender put in the query string reaches the log. */
const pathOf = (req: http.IncomingMessage) => (req.url ?? '/').split('?')[0]!;

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function send(
  res: http.ServerResponse,
  status: number,
  body: Record<string, unknown>,
  close = false,
): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(text);
}

export async function startWebhookRelay(options: WebhookRelayOptions): Promise<WebhookRelay> {
  const host = options.host ?? '127.0.0.1';
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const log = options.log ?? (() => {});

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const path = pathOf(req);
    if (path === '/healthz' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    const provider =
      path === '/webhooks/xendit' ? 'xendit' : path === '/webhooks/rise' ? 'rise' : null;
    if (!provider)
      throw new HttpError(404, 'unknown path: use POST /webhooks/xendit or POST /webhooks/rise');
    if (req.method !== 'POST') throw new HttpError(405, 'use POST');

    let event: ParsedEvent;
    if (provider === 'xendit') {
      if (!options.xenditCallbackToken)
        throw new HttpError(
          503,
          'Xendit webhooks are not configured on this relay (no callback token)',
        );
      // The token is a header: check it before reading the body, so strangers cost nothing.
      if (!verifyXenditCallbackToken(header(req, 'x-callback-token'), options.xenditCallbackToken))
        throw new HttpError(401, 'missing or wrong x-callback-token');
      event = parseXenditEvent(await readBody(req, limit));
    } else {
      if (!options.riseWebhookSecret)
        throw new HttpError(
          503,
          'Rise webhooks are not configured on this relay (no webhook secret)',
        );
      const body = await readBody(req, limit);
      // Rise's timestamp window is judged on the central store's clock too: on a relay machine
      // hours off, every webhook would otherwise be stale (or a replay fresh).
      const at = options.now ? options.now() : (await centralNow(options.store.db)).getTime();
      if (
        !verifyRiseSignature(header(req, 'x-rise-signature'), body, options.riseWebhookSecret, at)
      ) {
        throw new HttpError(401, 'missing, malformed, stale or wrong X-Rise-Signature');
      }
      event = parseRiseEvent(body);
    }
    // Dated by the central store's clock (ingest.ts), unless a test sets the clock.
    const result: IngestResult = await ingestEvent(options.store, event, {
      ...(options.now ? { now: new Date(options.now()) } : {}),
      ip: req.socket.remoteAddress ?? null,
      workstationId: RELAY_WORKSTATION_ID,
    });
    log(
      `${provider} ${event.type} ${event.eventKey}: ${result.outcome}${result.payoutId ? ` (payout ${result.payoutId})` : ''}`,
    );
    send(res, 200, { ok: true, duplicate: result.duplicate, outcome: result.outcome });
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) {
        log(`${req.method} ${pathOf(req)}: ${error.status} ${error.message}`);
        send(res, error.status, { error: error.message }, error.status === 413);
      } else if (error instanceof WebhookBodyError) {
        log(`${req.method} ${pathOf(req)}: 400 ${error.message}`);
        send(res, 400, { error: error.message });
      } else {
        // The store failed: the provider retries later. The cause stays in our log, not in the
        // answer.
        log(`${req.method} ${pathOf(req)}: 500 ${(error as Error).message}`);
        send(res, 500, { error: 'the event could not be stored; retry later' });
      }
    });
  });
  // A slow or stalled client must not hold a connection (and a transaction slot) for long.
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeIdleConnections();
        server.close(() => resolve());
        // Give requests in flight their transaction; then drop whatever is left.
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      }),
  };
}
