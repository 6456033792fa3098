/**
 * IP binding: CIDR parsing and matching (IPv4, IPv6, IPv4-mapped), then through the router on both
 * stores with the workstation's addresses injected: inside, outside, IPv6, an address change in the
 * middle of a session (the session ends), the address the real Postgres server sees, and the
 * refusal to lock oneself out.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAddresses, inRanges, normaliseCidr } from '../../../src/core/platform/kernel/ip.js';
import { rows } from '../../../src/core/platform/central/store.js';
import { toTreasuryError } from '../../../src/core/shared/errors.js';
import type { SignInResult } from '../../../src/core/domain/operators/commands.js';
import { drivers } from '../../support/pg.js';
import { randomUUID } from 'node:crypto';
import { openWorkstation } from '../../../src/core/host/workstation/workstation.js';
import {
  ADMIN_PASSWORD,
  addOperator,
  openTestWorkstation,
  type TestWorkstation,
} from '../../support/workstation.js';

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => toTreasuryError(e).code,
  );

describe('CIDR ranges', () => {
  it('normalises ranges and bare addresses, refuses what is not one', () => {
    expect(normaliseCidr('10.20.0.0/16')).toBe('10.20.0.0/16');
    expect(normaliseCidr('10.20.3.4')).toBe('10.20.3.4/32');
    expect(normaliseCidr('2001:DB8::/48')).toBe('2001:db8::/48');
    expect(normaliseCidr('::ffff:10.0.0.0/104')).toBe('10.0.0.0/8');
    for (const bad of ['10.20.0.0/33', '300.1.1.1', 'office', '2001:db8::/129', ''])
      expect(normaliseCidr(bad), bad).toBeNull();
  });

  it('matches IPv4, IPv6 and IPv4-mapped addresses; never across versions', () => {
    expect(inRanges('10.20.3.4', ['10.20.0.0/16'])).toBe(true);
    expect(inRanges('10.21.3.4', ['10.20.0.0/16'])).toBe(false);
    expect(inRanges('::ffff:10.20.3.4', ['10.20.0.0/16'])).toBe(true);
    expect(inRanges('2001:db8:0:7::1', ['2001:db8::/48'])).toBe(true);
    expect(inRanges('2001:db9::1', ['2001:db8::/48'])).toBe(false);
    expect(inRanges('fe80::1%eth0', ['fe80::/10'])).toBe(true);
    expect(inRanges('10.20.3.4', ['::/0'])).toBe(false);
    expect(checkAddresses({ ranges: [], workstation: [], server: null })).toEqual({
      allowed: true,
      reason: null,
    });
    expect(
      checkAddresses({
        ranges: ['10.0.0.0/8'],
        workstation: ['192.168.1.2', '10.1.1.1'],
        server: null,
      }).allowed,
    ).toBe(true);
    expect(
      checkAddresses({ ranges: ['10.0.0.0/8'], workstation: ['10.1.1.1'], server: '127.0.0.1' })
        .reason,
    ).toMatch(/sees this workstation at 127.0.0.1/);
  });
});

for (const driver of drivers()) {
  describe(`IP binding at the router (${driver})`, () => {
    let t: TestWorkstation;
    let here: string[] = ['10.1.2.3'];
    // Over TCP to a real Postgres, the server sees the test at 127.0.0.1: ranges include it there.
    const serverSide = driver === 'postgres' ? ['127.0.0.1/32'] : [];
    const signIn = (username: string) =>
      t.call<SignInResult>('session.signIn', { username, password: ADMIN_PASSWORD }, null);

    beforeAll(async () => {
      t = await openTestWorkstation(driver, { addresses: () => here });
      await addOperator(t, 'manager1', 'manager');
      await addOperator(t, 'viewer6', 'viewer');
      for (const cidr of ['10.1.0.0/16', ...serverSide])
        await t.call('ip.allow', { role: 'manager', cidr, note: 'office' });
      await t.call('ip.allow', { username: 'viewer6', cidr: '2001:db8::/48', note: 'IPv6 VPN' });
      if (driver === 'postgres')
        await t.call('ip.allow', { username: 'viewer6', cidr: '127.0.0.1/32' });
    }, 120_000);
    afterAll(async () => t?.cleanup());

    it('inside the ranges: sign-in and calls; an address change mid-session ends the session', async () => {
      here = ['192.168.7.7', '10.1.2.3'];
      const s = await signIn('manager1');
      expect(s.ok).toBe(true);
      const token = (s as { token: string }).token;
      expect(await codeOf(t.call('batch.list', {}, token))).toBe('ok');
      here = ['192.168.7.7']; // the laptop left the office network
      expect(await codeOf(t.call('batch.list', {}, token))).toBe('IP_NOT_ALLOWED');
      here = ['10.1.2.3']; // back: the session stays ended
      expect(await codeOf(t.call('batch.list', {}, token))).toBe('UNAUTHENTICATED');
      const [denied] = await rows<{ after: unknown }>(
        t.ws.central.db,
        sql`SELECT after FROM audit_log WHERE decision = 'denied' AND after::text LIKE '%allowed ranges%' ORDER BY seq DESC LIMIT 1`,
      );
      expect(JSON.stringify(denied!.after)).toMatch(/192\.168\.7\.7/);
    });

    it('outside the ranges: sign-in refused and audited; roles without ranges are not restricted', async () => {
      here = ['172.16.0.9'];
      const s = await signIn('manager1');
      expect(s).toMatchObject({
        ok: false,
        reason: expect.stringMatching(
          /sign-in refused: none of this workstation's addresses \(172\.16\.0\.9\)/,
        ),
      });
      expect((await signIn('admin')).ok).toBe(true); // super_admin: no ranges
    });

    it('IPv6 ranges per operator', async () => {
      here = ['2001:db8:0:42::10'];
      expect((await signIn('viewer6')).ok).toBe(true);
      here = ['2001:db9::10', '10.1.2.3'];
      expect((await signIn('viewer6')).ok).toBe(false); // the manager's office range is not viewer6's
    });

    // Only a real server sees a client address (declared for Postgres only: nothing is skipped).
    if (driver === 'postgres')
      it('the address the central Postgres sees must be inside too', async () => {
        await addOperator(t, 'manager9', 'processor');
        await t.call('ip.allow', { username: 'manager9', cidr: '10.1.0.0/16' });
        here = ['10.1.2.3']; // the workstation claims the office; the server sees 127.0.0.1
        expect(await signIn('manager9')).toMatchObject({
          ok: false,
          reason: expect.stringMatching(/central store sees this workstation at 127\.0\.0\.1/),
        });
      });

    it('offline too: sign-in and calls are held to the ranges as last synced', async () => {
      here = ['10.1.2.3'];
      const via =
        (ws: typeof t.ws) =>
        <T>(name: string, payload: unknown, session: string | null) =>
          ws.call<T>({ name, payload, session, workstationId: ws.id, id: randomUUID() });
      const admin = await via(t.ws)<SignInResult>(
        'session.signIn',
        { username: 'admin', password: ADMIN_PASSWORD },
        null,
      );
      const manager = await via(t.ws)<SignInResult>(
        'session.signIn',
        { username: 'manager1', password: ADMIN_PASSWORD },
        null,
      ); // leaves the verifier
      expect(manager.ok).toBe(true);
      await via(t.ws)('sync.run', {}, (admin as { token: string }).token);
      const offline = await openWorkstation({
        dataDir: t.ws.dataDir,
        credentials: t.ws.credentials,
        offline: true,
        addresses: () => here,
      });
      try {
        const signed = await via(offline)<SignInResult>(
          'session.signIn',
          { username: 'manager1', password: ADMIN_PASSWORD },
          null,
        );
        expect(signed.ok).toBe(true);
        const token = (signed as { token: string }).token;
        expect(await codeOf(via(offline)('batch.list', {}, token))).toBe('ok');
        here = ['192.168.7.7'];
        expect(await codeOf(via(offline)('batch.list', {}, token))).toBe('IP_NOT_ALLOWED');
        here = ['10.1.2.3'];
        expect(await codeOf(via(offline)('batch.list', {}, token))).toBe('UNAUTHENTICATED'); // ended
        here = ['172.16.0.9'];
        expect(
          await via(offline)<SignInResult>(
            'session.signIn',
            { username: 'manager1', password: ADMIN_PASSWORD },
            null,
          ),
        ).toMatchObject({
          ok: false,
          reason: expect.stringMatching(/sign-in refused: none of this workstation's addresses/),
        });
      } finally {
        await offline.close();
      }
    });

    it('nobody locks themselves out, nobody restricts a role above their own', async () => {
      here = ['10.1.2.3'];
      expect(await codeOf(t.call('ip.allow', { role: 'super_admin', cidr: '192.0.2.0/24' }))).toBe(
        'CONFLICT',
      );
      expect(await t.call<unknown[]>('ip.list', {})).not.toContainEqual(
        expect.objectContaining({ cidr: '192.0.2.0/24' }),
      );
      const manager = (await signIn('manager1')) as { token: string };
      expect(
        await codeOf(t.call('ip.allow', { role: 'viewer', cidr: '10.0.0.0/8' }, manager.token)),
      ).toBe('FORBIDDEN'); // no admin.manage
      expect(await codeOf(t.call('ip.allow', { role: 'viewer', cidr: 'office' }))).toBe(
        'VALIDATION',
      );
    });
  });
}
