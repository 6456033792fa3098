/**
 * The webhook relay: a small HTTP server that receives provider webhooks and stores them in the
 * central store, where every workstation sees them. A desktop cannot take webhooks itself (the
 * providers need a public HTTPS URL), so this runs next to the central database behind a TLS
 * terminating proxy; it holds only the providers' webhook secrets, never a provider API key.
 *
 * Each provider with a `webhook` in its descriptor (registry.ts) has its path, its secret, its
 * check and its parser there:
 *
 *   POST /webhooks/xendit   header `x-callback-token` (Xendit's static token, compared in constant
 *                           time, before the body is read)
 *   POST /webhooks/rise     header `X-Rise-Signature: t=…,v1=…` (HMAC-SHA256 over `t.body`, 5 min
 *                           window)
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
import type { AnyProviderDescriptor, WebhookDelivery } from '../../platform/payments/descriptor.js';
import type { ProviderName } from '../../platform/payments/provider.js';
import { WebhookBodyError } from '../../platform/payments/webhook.js';
import { PROVIDER_CREDENTIALS } from '../../shared/providers.js';
import {
  credentialEntries,
  credentialKey,
  PROVIDERS,
  type CredentialKey,
} from '../providers/registry.js';
import { centralNow } from '../../platform/central/clock.js';
import { ingestEvent, type IngestResult } from './ingest.js';

export const RELAY_WORKSTATION_ID = 'webhook-relay';
/** Provider webhook bodies are a few KiB; anything near this is not a webhook. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

/**
 * Each provider's webhook secret, by its name in camelCase (`xenditCallbackToken`,
 * `riseWebhookSecret`: what webhookSecretsFromCredentials returns).
 */
export type WebhookSecrets = Partial<Record<CredentialKey, string | undefined>>;

export interface WebhookRelayOptions extends WebhookSecrets {
  store: CentralStore;
  /** 0 picks a free port (see `url`). */
  port: number;
  host?: string;
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
): Promise<WebhookSecrets> {
  await assertProviderSecretAllowed(credentials, db, 'the webhook relay cannot verify deliveries');
  const secrets = credentialEntries().filter((c) => c.credential.use === 'webhook');
  const values = await Promise.all(secrets.map((c) => credentials.get(c.credential.account)));
  const out: WebhookSecrets = {};
  secrets.forEach((c, i) => {
    if (values[i]) out[credentialKey(c.which)] = values[i];
  });
  return out;
}

/** A provider's webhook as the relay serves it: where, with which secret, checked and parsed how. */
interface Route {
  provider: ProviderName;
  webhook: NonNullable<AnyProviderDescriptor['webhook']>;
  secret: string | undefined;
  /** The secret in words, for the "not configured" answer. */
  secretWords: string;
  label: string;
}

/** The providers that take webhooks, by path, with the secrets this relay was given. */
export function webhookRoutes(
  options: WebhookSecrets,
  descriptors: readonly AnyProviderDescriptor[] = PROVIDERS,
): Map<string, Route> {
  const routes = new Map<string, Route>();
  for (const d of descriptors) {
    if (!d.webhook) continue;
    const which = d.webhook.secret;
    routes.set(d.webhook.path, {
      provider: d.name,
      webhook: d.webhook,
      secret: options[credentialKey(which)],
      secretWords: PROVIDER_CREDENTIALS[which].label,
      label: d.label,
    });
  }
  return routes;
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

/**
 * The delivery checked with the provider's secret (503 without one, 401 when it is not the
 * provider's), then its body as one event (400 when it is not one).
 */
async function verifiedEvent(
  route: Route,
  req: http.IncomingMessage,
  limit: number,
  now: () => Promise<number>,
) {
  if (!route.secret)
    throw new HttpError(
      503,
      `${route.label} webhooks are not configured on this relay (no ${route.secretWords})`,
    );
  let body: Promise<string> | null = null;
  const delivery: WebhookDelivery = {
    header: (name) => header(req, name),
    body: () => (body ??= readBody(req, limit)),
    now,
  };
  const refusal = await route.webhook.refusal(delivery, route.secret);
  if (refusal !== null) throw new HttpError(401, refusal);
  return route.webhook.parse(await delivery.body());
}

/** A refusal as its HTTP answer (the store failing: 500, so the provider retries later). */
function answerFailure(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  error: unknown,
  log: (line: string) => void,
): void {
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
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function startWebhookRelay(options: WebhookRelayOptions): Promise<WebhookRelay> {
  const host = options.host ?? '127.0.0.1';
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const log = options.log ?? (() => {});

  const routes = webhookRoutes(options);
  const centralClock = async () =>
    options.now ? options.now() : (await centralNow(options.store.db)).getTime();

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const path = pathOf(req);
    if (path === '/healthz' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    const route = routes.get(path);
    if (!route)
      throw new HttpError(
        404,
        `unknown path: use ${[...routes.keys()].map((p) => `POST ${p}`).join(' or ')}`,
      );
    if (req.method !== 'POST') throw new HttpError(405, 'use POST');
    const event = await verifiedEvent(route, req, limit, centralClock);
    // Dated by the central store's clock (ingest.ts), unless a test sets the clock.
    const result: IngestResult = await ingestEvent(options.store, event, {
      ...(options.now ? { now: new Date(options.now()) } : {}),
      ip: req.socket.remoteAddress ?? null,
      workstationId: RELAY_WORKSTATION_ID,
    });
    log(
      `${route.provider} ${event.type} ${event.eventKey}: ${result.outcome}${result.payoutId ? ` (payout ${result.payoutId})` : ''}`,
    );
    send(res, 200, { ok: true, duplicate: result.duplicate, outcome: result.outcome });
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => answerFailure(req, res, error, log));
  });
  // A slow or stalled client must not hold a connection (and a transaction slot) for long.
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;

  await listen(server, options.port, host);
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
