/**
 * outbox: the real PostgreSQL as central (a scratch database), reached through a TCP relay the
 * specs cut and restore (kit.relayControl), demo data with commissions, and a second door to the
 * same central store that does not go through the relay: while the console is cut off, the spec
 * asks it (POST <conflicts>/take) to put affiliates into batches centrally, so that batches the
 * console prepared offline for them are refused when they are pushed — a conflict, made the way
 * it happens: another workstation got there first.
 *
 * Three groups of affiliates of one currency paid through Xendit: `clean` (its offline batch goes
 * through), `reprepare` and `discard` (their first affiliate is taken centrally meanwhile). Specs:
 * test/e2e/outbox.spec.ts (`url`), test/e2e/settings-providers.spec.ts (`settingsUrl`).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import postgres from 'postgres';
import type { SignInResult } from '../../../src/core/domain/operators/commands.js';
import {
  openWorkstation,
  type Workstation,
} from '../../../src/core/host/workstation/workstation.js';
import { tcpRelay } from '../../support/tcp-relay.js';
import { cleanups, E2E_PASSWORD, host, PG_URL, relayControl, seed } from '../kit.js';

export interface OutboxScenario {
  url: string;
  settingsUrl: string;
  /** POST /offline/stop, /offline/start: the relay. */
  control: string;
  /** POST /take: the first affiliate of `reprepare` and of `discard` put into central batches. */
  conflicts: string;
  currency: string;
  groups: { clean: string[]; reprepare: string[]; discard: string[] };
}

interface PreviewRow {
  affiliateId: string;
  eligible: boolean;
}

/** A scratch database on the test server, dropped when the harness stops. */
async function scratchDatabase(): Promise<string> {
  const name = `treasury_e2e_outbox_${randomBytes(4).toString('hex')}`;
  const admin = postgres(PG_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  cleanups.push(async () => {
    const a = postgres(PG_URL, { max: 1, onnotice: () => {} });
    await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await a.end();
  });
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The currency paid through Xendit to the most eligible affiliates, and them (at least six). */
function pick(byCurrency: Map<string, string[]>): { currency: string; ids: string[] } {
  const [currency, ids] = [...byCurrency].sort((a, b) => b[1].length - a[1].length)[0] ?? ['', []];
  if (ids.length < 6)
    throw new Error(
      `the outbox scenario needs six affiliates of one currency, found ${ids.length}`,
    );
  return { currency, ids };
}

/**
 * The other door: an admin session on the central store directly (not through the relay), which
 * takes each group's first affiliate into a batch of its own when the spec asks.
 */
async function conflictMaker(
  root: string,
  centralUrl: string,
  currency: string,
  taken: string[],
): Promise<string> {
  const ws = await openWorkstation({ dataDir: path.join(root, 'outbox-elsewhere'), centralUrl });
  cleanups.push(() => ws.close());
  const signed = (await ws.call({
    name: 'session.signIn',
    payload: { username: 'checker', password: E2E_PASSWORD },
    workstationId: ws.id,
  })) as SignInResult;
  if (!signed.ok) throw new Error('checker sign-in failed');
  const take = async () => {
    for (const id of taken)
      await ws.call({
        name: 'batch.create',
        payload: { provider: 'xendit', currency, affiliateIds: [id], note: 'taken elsewhere' },
        session: signed.token,
        workstationId: ws.id,
      });
  };
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/take') return void res.writeHead(404).end();
    take().then(
      () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

/**
 * The affiliates of each currency that a batch prepared offline pays: the preview as a
 * workstation's cache answers it (a data dir of its own, synced once, then offline), which may be
 * stricter than the central one's — the spec's batches are prepared offline.
 */
async function offlineEligible(
  root: string,
  centralUrl: string,
  currencies: readonly string[],
): Promise<Map<string, Set<string>>> {
  const dataDir = path.join(root, 'outbox-probe');
  const signIn = async (ws: Workstation) => {
    const signed = (await ws.call({
      name: 'session.signIn',
      payload: { username: 'admin', password: E2E_PASSWORD },
      workstationId: ws.id,
    })) as SignInResult;
    if (!signed.ok) throw new Error('admin sign-in failed');
    return signed.token;
  };
  const online = await openWorkstation({ dataDir, centralUrl });
  try {
    const session = await signIn(online);
    await online.call({ name: 'sync.run', payload: {}, session, workstationId: online.id });
  } finally {
    await online.close();
  }
  const offline = await openWorkstation({ dataDir, offline: true });
  const found = new Map<string, Set<string>>();
  try {
    const session = await signIn(offline);
    for (const currency of currencies) {
      const preview = (await offline
        .call({
          name: 'batch.preview',
          payload: { provider: 'xendit', currency },
          session,
          workstationId: offline.id,
        })
        .catch(() => ({ rows: [] }))) as { rows: PreviewRow[] };
      found.set(
        currency,
        new Set(preview.rows.filter((r) => r.eligible).map((r) => r.affiliateId)),
      );
    }
  } finally {
    await offline.close();
  }
  return found;
}

export async function build(root: string): Promise<OutboxScenario> {
  const direct = await scratchDatabase();
  const dir = path.join(root, 'outbox');
  const byCurrency = new Map<string, string[]>();
  await seed(dir, direct, async (call) => {
    await call('demo.generate', {
      affiliates: 60,
      conversions: 4000,
      seed: 7,
      until: '2026-11-01',
    });
    await call('commissions.calculate', {});
    for (const currency of ['IDR', 'PHP', 'VND', 'THB', 'MYR']) {
      const preview = (await call('batch.preview', { provider: 'xendit', currency }).catch(() => ({
        rows: [],
      }))) as { rows: PreviewRow[] };
      byCurrency.set(
        currency,
        preview.rows.filter((r) => r.eligible).map((r) => r.affiliateId),
      );
    }
  });
  const cached = await offlineEligible(root, direct, [...byCurrency.keys()]);
  for (const [currency, ids] of byCurrency)
    byCurrency.set(
      currency,
      ids.filter((id) => cached.get(currency)?.has(id)),
    );
  const { currency, ids } = pick(byCurrency);
  const groups = { clean: ids.slice(0, 2), reprepare: ids.slice(2, 4), discard: ids.slice(4, 6) };
  const pg = new URL(PG_URL);
  const cut = await tcpRelay({ host: pg.hostname, port: Number(pg.port || 5432) });
  cleanups.push(() => cut.stop());
  const { host: h } = await host(dir, cut.via(direct));
  return {
    url: h.url,
    settingsUrl: h.newLink(),
    control: await relayControl(cut),
    conflicts: await conflictMaker(root, direct, currency, [
      groups.reprepare[0]!,
      groups.discard[0]!,
    ]),
    currency,
    groups,
  };
}
