/**
 * The batch's conversation offline, as online: a batch prepared on the cache keeps the maker's note
 * and exclusions (amount, reason, who); the approvals inbox answers from the cache; a rejection
 * made offline stands on the batch; and after the push the central store holds the same
 * exclusions (recorded from its own preview) and the same rejection.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignInResult } from '../../../src/core/domain/operators/commands.js';
import type { LeftOut } from '../../../src/core/domain/batches/left-out.js';
import {
  openWorkstation,
  type Workstation,
} from '../../../src/core/host/workstation/workstation.js';
import { openScenario, type Scenario } from '../../support/payouts.js';
import { drivers } from '../../support/pg.js';
import { ADMIN_PASSWORD } from '../../support/workstation.js';

interface Shown {
  status: string;
  note: string | null;
  leftOut: LeftOut[];
  rejection: { by: string | null; reason: string } | null;
}

describe.each(drivers())('the conversation offline (%s)', (driver) => {
  let s: Scenario;
  let offline: Workstation;
  const tokens: Record<string, string> = {};
  const offlineTokens: Record<string, string> = {};
  const via =
    (ws: Workstation) =>
    <T>(name: string, payload: unknown, session: string | null) =>
      ws.call<T>({ name, payload, session, workstationId: ws.id, id: randomUUID() });
  const signIn = async (ws: Workstation, into: Record<string, string>) => {
    for (const u of ['admin', 'checker1', 'proc']) {
      const r = await via(ws)<SignInResult>(
        'session.signIn',
        { username: u, password: ADMIN_PASSWORD },
        null,
      );
      if (!r.ok) throw new Error(r.reason);
      into[u] = r.token;
    }
  };

  beforeAll(async () => {
    s = await openScenario(driver, { affiliates: 60, conversions: 3000, seed: 21 });
    await signIn(s.tw.ws, tokens);
    await via(s.tw.ws)('sync.run', {}, tokens.admin!);
    offline = await openWorkstation({
      dataDir: s.tw.ws.dataDir,
      credentials: s.tw.ws.credentials,
      offline: true,
    });
    await signIn(offline, offlineTokens);
  }, 60_000);
  afterAll(async () => {
    await offline?.close();
    await s?.cleanup();
  });

  it('keeps note, exclusions and rejection offline; the central store agrees after the push', async () => {
    const call = via(offline);
    const preview = await call<{
      rows: { affiliateId: string; eligible: boolean; amountMinor: string }[];
    }>('batch.preview', { provider: 'xendit', currency: 'IDR' }, offlineTokens.proc!);
    const out = preview.rows.filter((r) => r.eligible)[2]!;
    const created = await call<{ batches: { id: string }[] }>(
      'batch.create',
      {
        provider: 'xendit',
        currency: 'IDR',
        note: 'prepared on the plane',
        leftOut: [{ affiliateId: out.affiliateId, reason: 'bank details being checked' }],
      },
      offlineTokens.proc!,
    );
    const id = created.batches[0]!.id;
    const local = await call<Shown>('batch.show', { batch: id }, offlineTokens.checker1!);
    expect(local.note).toBe('prepared on the plane');
    expect(local.leftOut).toEqual([
      expect.objectContaining({
        affiliateId: out.affiliateId,
        amountMinor: out.amountMinor,
        reason: 'bank details being checked',
        by: 'proc',
      }),
    ]);
    await call('batch.submit', { batch: id }, offlineTokens.proc!);
    const inbox = (who: string) =>
      call<{ id: string }[]>('batch.list', { awaitingMe: true }, offlineTokens[who]!).then((l) =>
        l.map((b) => b.id),
      );
    expect(await inbox('checker1')).toContain(id);
    expect(await inbox('proc')).toEqual([]);
    await call('batch.reject', { batch: id, reason: 'pay them: checked' }, offlineTokens.checker1!);
    expect((await call<Shown>('batch.show', { batch: id }, offlineTokens.proc!)).rejection).toEqual(
      expect.objectContaining({ by: 'checker1', reason: 'pay them: checked' }),
    );
    expect(await inbox('checker1')).not.toContain(id);

    // Push: the maker's commands, then the checker's (each under their own online session).
    const online = via(s.tw.ws);
    for (const who of ['proc', 'checker1', 'proc', 'checker1'])
      await online('sync.run', {}, tokens[who]!);
    const central = await online<Shown>('batch.show', { batch: id }, tokens.admin!);
    expect(central.status).toBe('DRAFT');
    expect(central.note).toBe('prepared on the plane');
    expect(central.leftOut.map((l) => [l.affiliateId, l.amountMinor, l.reason, l.by])).toEqual([
      [out.affiliateId, out.amountMinor, 'bank details being checked', 'proc'],
    ]);
    expect(central.rejection).toEqual(
      expect.objectContaining({ by: 'checker1', reason: 'pay them: checked' }),
    );
  }, 60_000);
});
