/**
 * Suspicious activity, rule by rule, on both stores: each hit is a security event with its risk; a
 * high-risk hit holds the approval (nothing else changes) until a second administrator — not the
 * operator who raised it — acknowledges it, after which the same approval goes through.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../../src/core/platform/central/store.js';
import { toTreasuryError } from '../../../src/core/shared/errors.js';
import type { SignInResult } from '../../../src/core/domain/operators/commands.js';
import {
  DEFAULT_SECURITY_RULES,
  type SecurityRules,
} from '../../../src/core/domain/security/rules.js';
import { tempDir } from '../../support/central.js';
import { openScenario, type Scenario } from '../../support/payouts.js';
import { drivers } from '../../support/pg.js';
import { ADMIN_PASSWORD } from '../../support/workstation.js';

interface Event {
  id: string;
  kind: string;
  risk: string;
  operator: string | null;
  message: string;
  acknowledgedBy: string | null;
}
interface Created {
  batches: { id: string; number: string; contentHash: string; requiredApprovals: number }[];
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => toTreasuryError(e).code,
  );

for (const driver of drivers()) {
  describe(`suspicious activity (${driver})`, () => {
    let s: Scenario;
    const tmp = tempDir('treasury-security-');
    const events = () => s.tw.call<Event[]>('security.events', {});
    const newest = async (kind: string) => (await events()).find((e) => e.kind === kind);
    const rules = (patch: Partial<SecurityRules>) =>
      s.tw.ws.central.db
        .execute(sql`INSERT INTO settings (key, value) VALUES ('security_rules', ${JSON.stringify({ ...DEFAULT_SECURITY_RULES, ...patch })}::jsonb)
                                     ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
    const create = async (currency: string, provider = 'xendit') => {
      const b = (await s.tw.call<Created>('batch.create', { provider, currency })).batches[0]!;
      await s.tw.call('batch.submit', { batch: b.id });
      return b;
    };
    const signInAt = (username: string, password: string, ip: string) =>
      s.tw.ws.router.call<SignInResult>({
        name: 'session.signIn',
        payload: { username, password },
        workstationId: s.tw.ws.id,
        ip,
        id: randomUUID(),
      });

    beforeAll(async () => {
      s = await openScenario(driver, { affiliates: 80, conversions: 4000, seed: 31 });
      // Every batch high-value (two approvers), so the high-value rules have something to see.
      await s.tw.ws.central.db.execute(
        sql`INSERT INTO settings (key, value) VALUES ('high_value_thresholds', '{"PHP":"0.01","IDR":"0.01","USD":"0.01"}'::jsonb)`,
      );
    }, 240_000);
    afterAll(async () => {
      await s?.cleanup();
      tmp.remove();
    });

    it('repeated failed sign-ins (medium)', async () => {
      for (let i = 0; i < 3; i++)
        expect((await signInAt('checker2', 'not the password!!', '10.0.0.5')).ok).toBe(false);
      const e = await newest('failed_sign_ins');
      expect(e).toMatchObject({
        risk: 'medium',
        message: expect.stringMatching(/3 failed sign-ins for checker2/),
      });
      expect((await signInAt('checker2', ADMIN_PASSWORD, '10.0.0.5')).ok).toBe(true); // noted, not blocked (the lockout blocks at 5)
    });

    it('a sign-in from a new address (medium); a known one raises nothing', async () => {
      const before = (await events()).filter((e) => e.kind === 'new_address').length;
      expect((await signInAt('checker2', ADMIN_PASSWORD, '10.0.0.5')).ok).toBe(true);
      expect((await events()).filter((e) => e.kind === 'new_address').length).toBe(before);
      expect((await signInAt('checker2', ADMIN_PASSWORD, '203.0.113.77')).ok).toBe(true);
      expect(await newest('new_address')).toMatchObject({
        risk: 'medium',
        operator: 'checker2',
        message: expect.stringMatching(/203\.0\.113\.77/),
      });
    });

    it('a destination shared by several affiliates holds the approval until a second admin acknowledges (high)', async () => {
      const b = await create('PHP');
      const [p] = await rows<{
        account_number: string;
        channel_code: string;
        affiliate_id: string;
      }>(
        s.tw.ws.central.db,
        sql`SELECT account_number, channel_code, affiliate_id FROM payouts WHERE batch_id = ${b.id}::uuid ORDER BY affiliate_id LIMIT 1`,
      );
      const [other] = await rows<{
        id: string;
        payout_channel_code: string;
        payout_account_number: string;
      }>(
        s.tw.ws.central.db,
        sql`SELECT id, payout_channel_code, payout_account_number FROM affiliates WHERE id <> ${p!.affiliate_id} AND payout_provider = 'xendit' ORDER BY id LIMIT 1`,
      );
      await s.tw.ws.central.db.execute(
        sql`UPDATE affiliates SET payout_channel_code = ${p!.channel_code}, payout_account_number = ${p!.account_number} WHERE id = ${other!.id}`,
      );
      const held = await s.tw.call<{ held?: boolean; securityEventId: string; reason: string }>(
        'batch.approve',
        { batch: b.id },
        s.checker1,
      );
      expect(held).toMatchObject({
        held: true,
        kind: 'shared_destination',
        reason: expect.stringMatching(/shared by several affiliates/),
      });
      const [{ n }] = (await rows<{ n: number }>(
        s.tw.ws.central.db,
        sql`SELECT count(*)::int AS n FROM batch_approvals WHERE batch_id = ${b.id}::uuid`,
      )) as [{ n: number }];
      expect(Number(n)).toBe(0); // held: no approval recorded
      expect(
        await codeOf(
          s.tw.call(
            'security.acknowledge',
            { id: held.securityEventId, note: 'family account, checked' },
            s.checker1,
          ),
        ),
      ).toBe('FORBIDDEN'); // a manager is no admin
      expect(
        await s.tw.call('security.acknowledge', {
          id: held.securityEventId,
          note: 'family account, checked by phone',
        }),
      ).toMatchObject({ acknowledgedBy: 'admin' });
      expect(await s.tw.call('batch.approve', { batch: b.id }, s.checker1)).toMatchObject({
        approvals: 1,
      });
      expect((await events()).find((e) => e.id === held.securityEventId)).toMatchObject({
        acknowledgedBy: 'admin',
      });
      await s.tw.ws.central.db.execute(
        sql`UPDATE affiliates SET payout_channel_code = ${other!.payout_channel_code}, payout_account_number = ${other!.payout_account_number} WHERE id = ${other!.id}`,
      );
    });

    it('a destination changed shortly before the payout holds the approval (high); the raiser cannot acknowledge it', async () => {
      const b = await create('IDR');
      await s.tw.ws.central.db.execute(sql`UPDATE affiliates SET destination_changed_at = now()
                                           WHERE id = (SELECT affiliate_id FROM payouts WHERE batch_id = ${b.id}::uuid ORDER BY affiliate_id LIMIT 1)`);
      const held = await s.tw.call<{ held?: boolean; kind: string; securityEventId: string }>(
        'batch.approve',
        { batch: b.id },
        s.tw.token === s.checker2 ? s.checker1 : s.checker2,
      );
      expect(held).toMatchObject({ held: true, kind: 'destination_changed' });
      // The admin created this batch; an approval attempt by the admin is refused as maker anyway,
      // so make the raiser an admin-level operator to show the acknowledgement rule.
      await s.tw.ws.central.db.execute(
        sql`UPDATE operators SET role = 'admin' WHERE username = 'checker2'`,
      );
      expect(
        await codeOf(
          s.tw.call(
            'security.acknowledge',
            { id: held.securityEventId, note: 'it was me' },
            s.checker2,
          ),
        ),
      ).toBe('MAKER_CHECKER');
      await s.tw.ws.central.db.execute(
        sql`UPDATE operators SET role = 'manager' WHERE username = 'checker2'`,
      );
      await s.tw.call('security.acknowledge', {
        id: held.securityEventId,
        note: 'bank change confirmed with the affiliate',
      });
      expect(await s.tw.call('batch.approve', { batch: b.id }, s.checker2)).toMatchObject({
        approvals: 1,
      });
    });

    it('many high-value approvals in a short window hold the next one (high); unusual hours are noted (medium)', async () => {
      const hour = new Date().getUTCHours();
      const away = (hour + 12) % 24;
      await rules({
        highValueBurst: { count: 2, windowMinutes: 60 },
        businessHours: { fromHour: Math.min(away, 23), toHour: Math.min(away, 23) + 1 },
      });
      // checker1 approved one high-value batch above; this is their second within the hour.
      const b = await create('USD', 'rise');
      const held = await s.tw.call<{ held?: boolean; kind: string }>(
        'batch.approve',
        { batch: b.id },
        s.checker1,
      );
      expect(held).toMatchObject({ held: true, kind: 'high_value_burst' });
      expect(await newest('unusual_hour')).toMatchObject({ risk: 'medium', operator: 'checker1' });
      await rules({});
    });

    it('a large export is noted (medium)', async () => {
      await rules({ largeExportRows: 1 });
      const out = `${tmp.dir}/items.csv`;
      const r = await s.tw.call<{ rowCount: number }>('export.payoutItems', { format: 'csv', out });
      expect(r.rowCount).toBeGreaterThan(1);
      expect(await newest('large_export')).toMatchObject({
        risk: 'medium',
        message: expect.stringMatching(new RegExp(`${r.rowCount} rows`)),
      });
      await rules({});
      const open = await s.tw.call<Event[]>('security.events', { open: true, risk: 'high' });
      expect(open.every((e) => e.acknowledgedBy === null)).toBe(true);
    });
  });
}
