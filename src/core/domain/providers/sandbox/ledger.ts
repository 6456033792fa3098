/**
 * The sandbox's books in the central store (`sandbox_payouts`): every process of every workstation
 * on that store sees the same sandbox payouts, so an execution in one process is polled and
 * reconciled by another, as with a real provider. Called outside any router transaction (provider
 * calls never run inside one), each statement on its own.
 */
import { sql } from 'drizzle-orm';
import { rows, type CentralTx } from '../../../platform/central/store.js';
import type { ProviderStatus } from '../../../platform/payments/provider.js';
import type { Held, SandboxFailureCode, SandboxLedger } from './client.js';

interface Row {
  provider_id: string;
  fingerprint: string;
  reference: string;
  amount_minor: string | bigint;
  currency: string;
  status: string;
  failure_code: string | null;
  settles_as: string | null;
  created_ms: string | number;
  updated_at: Date | string;
}

const iso = (v: Date | string) => (v instanceof Date ? v : new Date(v)).toISOString();

function held(r: Row): Held {
  return {
    payout: {
      providerId: r.provider_id,
      reference: r.reference,
      amountMinor: BigInt(r.amount_minor),
      currency: r.currency.trim(),
      status: r.status as ProviderStatus,
      rawStatus: r.status,
      failureCode: r.failure_code,
      createdAt: new Date(Number(r.created_ms)).toISOString(),
      updatedAt: iso(r.updated_at),
    },
    fingerprint: r.fingerprint,
    createdMs: Number(r.created_ms),
    failureCode: r.settles_as as SandboxFailureCode | null,
  };
}

const COLUMNS = sql`provider_id, fingerprint, reference, amount_minor, currency, status, failure_code, settles_as, created_ms, updated_at`;

export function centralSandboxLedger(db: CentralTx): SandboxLedger {
  const select = async (where: ReturnType<typeof sql>) =>
    (
      await rows<Row>(
        db,
        sql`SELECT ${COLUMNS} FROM sandbox_payouts WHERE ${where} ORDER BY created_ms, provider_id`,
      )
    ).map(held);
  return {
    byKey: async (key) => (await select(sql`idempotency_key = ${key}`))[0] ?? null,
    byId: async (id) => (await select(sql`provider_id = ${id}`))[0] ?? null,
    byReference: (reference) => select(sql`reference = ${reference}`),
    createdBetween: (from, to) => select(sql`created_ms >= ${from} AND created_ms < ${to}`),
    async insert(key, h) {
      const p = h.payout;
      const inserted = await rows(
        db,
        sql`INSERT INTO sandbox_payouts (provider_id, idempotency_key, fingerprint, reference, amount_minor, currency, status, failure_code, settles_as, created_ms, updated_at)
            VALUES (${p.providerId}, ${key}, ${h.fingerprint}, ${p.reference}, ${p.amountMinor.toString()}::bigint, ${p.currency}, ${p.status}, ${p.failureCode}, ${h.failureCode}, ${h.createdMs}, ${p.updatedAt ?? new Date(h.createdMs).toISOString()}::timestamptz)
            ON CONFLICT DO NOTHING RETURNING provider_id`,
      );
      return inserted.length === 1;
    },
    async update(h) {
      const p = h.payout;
      await db.execute(
        sql`UPDATE sandbox_payouts SET status = ${p.status}, failure_code = ${p.failureCode}, updated_at = ${p.updatedAt ?? new Date().toISOString()}::timestamptz WHERE provider_id = ${p.providerId}`,
      );
    },
  };
}
