/**
 * `diagnostics.central`: what a diagnostics bundle (diagnostics/bundle.ts) may learn from the
 * central store — its server version, how far its schema is migrated, and its settings. It is a
 * command, not a query, so that taking a bundle passes the router's one permission check
 * (`payables.view`: any signed-in operator can already read every setting — `settings.show`, and
 * the settings mirror in their cache), its IP check, and leaves an audit entry naming the
 * workstation.
 *
 * Settings hold no secrets by design (they live in the credential store), but a field named like
 * one is replaced anyway: the bundle goes to people outside the company.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { defineCommand } from '../../platform/kernel/router.js';
import { scrubValue } from '../../platform/log/redact.js';
import { resourcePath } from '../../platform/files/resources.js';

export interface MigrationLevel {
  /** Migrations recorded as applied in this database. */
  applied: number;
  /** The newest applied one, by its tag when this build ships it. */
  latest: string | null;
  /** Migrations this build ships. */
  shipped: number;
  latestShipped: string | null;
  /** 'current', 'behind' (this build would migrate it) or 'ahead' (a newer build migrated it). */
  state: 'current' | 'behind' | 'ahead';
}

/** Migrations shipped in `drizzle/<which>` (their journal): tag by the instant drizzle records. */
function shippedMigrations(which: 'central' | 'local'): { tag: string; when: number }[] {
  const journal = JSON.parse(
    readFileSync(path.join(resourcePath(`drizzle/${which}`), 'meta', '_journal.json'), 'utf8'),
  ) as { entries: { tag: string; when: number }[] };
  return journal.entries.map((e) => ({ tag: e.tag, when: e.when }));
}

/**
 * Compares the migrations a database recorded (drizzle's `created_at` = the journal's `when`) with
 * what this build ships.
 */
export function migrationLevel(
  which: 'central' | 'local',
  appliedWhens: readonly number[],
): MigrationLevel {
  const shipped = shippedMigrations(which);
  const newest = appliedWhens.length ? Math.max(...appliedWhens) : null;
  const newestShipped = shipped.at(-1) ?? null;
  const latest =
    newest === null
      ? null
      : (shipped.find((s) => s.when === newest)?.tag ??
        `unknown to this build (recorded ${new Date(newest).toISOString()})`);
  const ahead = newest !== null && (newestShipped === null || newest > newestShipped.when);
  return {
    applied: appliedWhens.length,
    latest,
    shipped: shipped.length,
    latestShipped: newestShipped?.tag ?? null,
    state: ahead ? 'ahead' : appliedWhens.length < shipped.length ? 'behind' : 'current',
  };
}

export interface CentralDiagnostics {
  kind: 'pglite' | 'postgres';
  location: string;
  serverVersion: string;
  migrations: MigrationLevel;
  settings: Record<string, { value: unknown; updatedAt: string | null; updatedBy: string | null }>;
}

async function centralMigrations(tx: CentralTx): Promise<number[]> {
  const list = await rows<{ created_at: string | number | null }>(
    tx,
    sql`SELECT created_at FROM drizzle.__drizzle_migrations ORDER BY id`,
  );
  return list.map((r) => Number(r.created_at));
}

export const central = defineCommand({
  name: 'diagnostics.central',
  permission: 'payables.view',
  input: z.strictObject({}),
  async run(ctx): Promise<CentralDiagnostics> {
    const [version] = await rows<{ version: string }>(ctx.tx, sql`SELECT version() AS version`);
    const settings = await rows<{
      key: string;
      value: string;
      updated_at: Date | string | null;
      username: string | null;
    }>(
      ctx.tx,
      sql`SELECT s.key, s.value::text AS value, s.updated_at, o.username FROM settings s LEFT JOIN operators o ON o.id = s.updated_by ORDER BY s.key`,
    );
    ctx.audit({
      action: 'diagnostics.central',
      entityType: 'workstation',
      entityId: ctx.workstationId,
    });
    return {
      kind: ctx.store.kind,
      location: ctx.store.location,
      serverVersion: version?.version ?? 'unknown',
      migrations: migrationLevel('central', await centralMigrations(ctx.tx)),
      settings: Object.fromEntries(
        settings.map((s) => [
          s.key,
          {
            value: scrubValue(JSON.parse(s.value) as unknown),
            updatedAt: s.updated_at === null ? null : new Date(s.updated_at).toISOString(),
            updatedBy: s.username,
          },
        ]),
      ),
    };
  },
});
