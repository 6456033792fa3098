/**
 * A provider folder plugged in: memory/ is a minimal provider (its descriptor and an in-memory
 * client). The workstation's router gets a resolver built from a descriptor list holding it —
 * createProviderResolver's `descriptors` parameter, the only way in — and a batch goes all the
 * way through it: preview, create, submit, approval by two checkers (maker-checker, high value),
 * execute. Every payout ends SUCCEEDED with its audit entry, every idempotency key was in the
 * central store before the provider saw it, no reference was paid twice, and reconciliation finds
 * the provider's books and ours equal.
 *
 * The plug-in answers to the sandbox's name (memory/index.ts says why): the sandbox's descriptor is
 * replaced in the list, nothing else is relaxed.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../../../src/core/platform/central/store.js';
import {
  createProviderResolver,
  PROVIDERS,
  type CachingResolver,
} from '../../../../src/core/domain/providers/registry.js';
import { drivers } from '../../../support/pg.js';
import {
  addOperator,
  memoryCredentials,
  openTestWorkstation,
  type TestWorkstation,
} from '../../../support/workstation.js';
import { books } from './memory/client.js';
import { memory } from './memory/index.js';

interface Created {
  batches: { id: string; number: number; requiredApprovals: number; payouts: number }[];
}

for (const driver of drivers()) {
  describe(`a provider folder plugged into the registry executes a batch (${driver})`, () => {
    let t: TestWorkstation;
    let checker1: string;
    let checker2: string;
    const db = () => t.ws.central.db;

    beforeAll(async () => {
      books.byKey.clear();
      books.creates.length = 0;
      let resolver: CachingResolver | null = null;
      t = await openTestWorkstation(driver, { providers: (name) => resolver!(name) });
      resolver = createProviderResolver({
        credentials: memoryCredentials(),
        db: db(),
        descriptors: [...PROVIDERS.filter((d) => d.name !== memory.name), memory],
      });
      checker1 = await addOperator(t, 'checker1', 'manager');
      checker2 = await addOperator(t, 'checker2', 'manager');
      // Every payout high value: the batch needs two approvers besides its maker.
      await t.call('settings.set', { key: 'thresholds', value: { IDR: '1' } });
      await t.call('demo.generate', {
        affiliates: 400,
        conversions: 8000,
        seed: 11,
        until: '2026-11-01',
      });
      await t.call('commissions.calculate', {});
    }, 120_000);
    afterAll(async () => {
      await t?.cleanup();
    });

    it('preview → create → submit → two approvals → execute: every payout SUCCEEDED through the plug-in, audited, paid once', async () => {
      const filters = { provider: memory.name, currency: 'IDR' };
      const preview = await t.call<{ eligibleCount: number }>('batch.preview', filters);
      expect(preview.eligibleCount).toBeGreaterThan(0);

      const created = await t.call<Created>('batch.create', { ...filters, note: 'plug-in' });
      expect(created.batches).toHaveLength(1);
      const batch = created.batches[0]!;
      expect(batch.payouts).toBe(preview.eligibleCount);
      expect(batch.requiredApprovals).toBe(2);

      await t.call('batch.submit', { batch: batch.id });
      // Maker-checker: the maker cannot approve; two other operators do.
      await expect(t.call('batch.approve', { batch: batch.id })).rejects.toMatchObject({
        code: 'MAKER_CHECKER',
      });
      await t.call('batch.approve', { batch: batch.id }, checker1);
      await t.call('batch.approve', { batch: batch.id }, checker2);

      const executed = await t.call<{ status: string; payouts: Record<string, number> }>(
        'batch.execute',
        { batch: batch.id, waitMs: 20_000 },
      );
      expect(executed.status).toBe('COMPLETED');

      const payouts = await rows<{ id: string; status: string; provider: string }>(
        db(),
        sql`SELECT id::text AS id, status, provider FROM payouts WHERE batch_id = ${batch.id}::uuid`,
      );
      expect(payouts).toHaveLength(batch.payouts);
      expect(new Set(payouts.map((p) => p.status))).toEqual(new Set(['SUCCEEDED']));
      expect(new Set(payouts.map((p) => p.provider))).toEqual(new Set([memory.name]));

      // Through the plug-in's client, each payout once, each key persisted before the call.
      expect(books.creates.length).toBeGreaterThanOrEqual(batch.payouts);
      expect(books.creates.every((c) => c.persistedFirst)).toBe(true);
      const references = books.payouts().map((p) => p.reference);
      expect(new Set(references)).toEqual(new Set(payouts.map((p) => p.id)));
      expect(references).toHaveLength(new Set(references).size);

      // Each payout's move to SUCCEEDED is in the audit trail.
      const audited = await rows<{ entity_id: string }>(
        db(),
        sql`SELECT entity_id FROM audit_log WHERE action = 'payout.status'
              AND after->>'status' = 'SUCCEEDED' AND entity_id = ANY(${`{${payouts.map((p) => p.id).join(',')}}`}::text[])`,
      );
      expect(new Set(audited.map((a) => a.entity_id))).toEqual(new Set(payouts.map((p) => p.id)));
      const actions = await rows<{ action: string }>(
        db(),
        sql`SELECT action FROM audit_log WHERE entity_id = ${batch.id} ORDER BY seq`,
      );
      expect(actions.map((a) => a.action)).toEqual(
        expect.arrayContaining(['batch.create', 'batch.submit', 'batch.approve']),
      );

      // The provider's books and ours agree.
      const run = await t.call<{ status: string; counts: Record<string, number> }>(
        'reconcile.run',
        { provider: memory.name, from: '2020-01-01', to: '2100-01-01' },
      );
      expect(run.status).toBe('complete');
      expect(run.counts).toMatchObject({
        matched: batch.payouts,
        missing_at_provider: 0,
        unknown_to_us: 0,
        amount_mismatch: 0,
        status_mismatch: 0,
      });
    }, 120_000);
  });
}
