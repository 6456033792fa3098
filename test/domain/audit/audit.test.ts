/**
 * The tamper-evident audit trail, attacked by someone who can switch the append-only trigger off:
 * an edited, a deleted, an inserted and a reordered entry are each found, and said where, by
 * `audit.verify` (the router's query behind `treasury audit verify`). Each case starts from a fresh
 * store, so one tampering never hides another.
 */
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { entryHash } from '../../../src/core/platform/kernel/audit-chain.js';
import { rows } from '../../../src/core/platform/central/store.js';
import { drivers } from '../../support/pg.js';
import { openTestWorkstation, type TestWorkstation } from '../../support/workstation.js';

interface Verdict {
  entries: number;
  intact: boolean;
  problems: { seq: string; problem: string; message: string }[];
}

for (const driver of drivers()) {
  describe(`audit verify (${driver})`, () => {
    let t: TestWorkstation | undefined;
    afterEach(async () => {
      await t?.cleanup();
      t = undefined;
    });

    /**
     * A store with a dozen audit entries, and the trigger that refuses UPDATE/DELETE switched off.
     */
    async function tampered(): Promise<TestWorkstation> {
      t = await openTestWorkstation(driver);
      for (let i = 0; i < 4; i++)
        await t.call('rules.show', {}).then(() => t!.call('setup.status', {}, null));
      for (let i = 0; i < 5; i++) await t.call('sync.authorize', {});
      const clean = await t.call<Verdict>('audit.verify', {});
      expect(clean).toMatchObject({ intact: true, problems: [] });
      expect(clean.entries).toBeGreaterThanOrEqual(7);
      await t.ws.central.db.execute(
        sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`,
      );
      return t;
    }
    const verify = async (tw: TestWorkstation) => {
      await tw.ws.central.db.execute(
        sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`,
      );
      return tw.call<Verdict>('audit.verify', {});
    };

    it('an edited entry', async () => {
      const tw = await tampered();
      await tw.ws.central.db.execute(
        sql`UPDATE audit_log SET decision = 'allowed', action = 'nothing.to.see' WHERE seq = 4`,
      );
      const v = await verify(tw);
      expect(v.intact).toBe(false);
      expect(v.problems).toEqual([expect.objectContaining({ seq: '4', problem: 'edited' })]);
    });

    it('a deleted entry', async () => {
      const tw = await tampered();
      await tw.ws.central.db.execute(sql`DELETE FROM audit_log WHERE seq = 3`);
      const v = await verify(tw);
      expect(v.problems.map((p) => `${p.seq}:${p.problem}`)).toEqual(['4:gap', '4:broken_link']);
    });

    it('an inserted entry, even one whose own hash was computed correctly', async () => {
      const tw = await tampered();
      const db = tw.ws.central.db;
      // Make room after entry 3 (seq + 1 for the rest, highest first), then forge entry 4 chained
      // to entry 3 with a valid hash of its own.
      const [max] = await rows<{ seq: string }>(
        db,
        sql`SELECT max(seq)::text AS seq FROM audit_log`,
      );
      for (let seq = BigInt(max!.seq); seq >= 4n; seq--)
        await db.execute(
          sql`UPDATE audit_log SET seq = seq + 1 WHERE seq = ${seq.toString()}::bigint`,
        );
      const [three] = await rows<{ hash: string }>(
        db,
        sql`SELECT hash FROM audit_log WHERE seq = 3`,
      );
      const forged = {
        seq: '4',
        at: new Date().toISOString(),
        operatorId: null,
        action: 'batch.approve',
        entityType: 'payout_batch',
        entityId: 'B-20261121-001',
        before: null,
        after: null,
        commandId: null,
        ip: null,
        workstationId: null,
        decision: 'allowed',
      };
      await db.execute(sql`INSERT INTO audit_log (seq, at, action, entity_type, entity_id, decision, prev_hash, hash)
                           VALUES (4, ${forged.at}::timestamptz, ${forged.action}, ${forged.entityType}, ${forged.entityId}, 'allowed', ${three!.hash}, ${entryHash(three!.hash, forged)})`);
      const v = await verify(tw);
      expect(v.intact).toBe(false);
      // The forged entry itself verifies; the one after it no longer follows its predecessor, every
      // renumbered entry's hash no longer matches (the seq is hashed), and the head is one short.
      expect(v.problems).not.toContainEqual(expect.objectContaining({ seq: '4' }));
      expect(v.problems).toContainEqual(
        expect.objectContaining({ seq: '5', problem: 'broken_link' }),
      );
      expect(v.problems).toContainEqual(expect.objectContaining({ seq: '5', problem: 'edited' }));
      expect(v.problems).toContainEqual(expect.objectContaining({ problem: 'head_mismatch' }));
    });

    it('two entries swapped', async () => {
      const tw = await tampered();
      const db = tw.ws.central.db;
      await db.execute(sql`UPDATE audit_log SET seq = -5 WHERE seq = 5`);
      await db.execute(sql`UPDATE audit_log SET seq = 5 WHERE seq = 6`);
      await db.execute(sql`UPDATE audit_log SET seq = 6 WHERE seq = -5`);
      const v = await verify(tw);
      expect(v.problems.map((p) => `${p.seq}:${p.problem}`)).toEqual([
        '5:broken_link',
        '5:edited',
        '6:broken_link',
        '6:edited',
        '7:broken_link',
      ]);
    });
  });
}
