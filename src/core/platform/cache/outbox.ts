/**
 * The local outbox: commands written while offline (or before a push), each with a client-chosen
 * uuid and a per-workstation sequence, applied optimistically to the cache, pushed in order.
 *
 * Each entry keeps what it changed in the cache (the rows' previous images), so a command the
 * central store rejects is undone exactly — and the rejected command itself stays in the outbox,
 * with the reason, for the operator to review or discard. Nothing is lost.
 */
import { randomUUID } from 'node:crypto';
import type { LocalCache } from './cache.js';
import { TreasuryError } from '../../shared/errors.js';

/** One row of a mirror table as the cache holds it (column → SQLite value). */
export type CacheRow = Record<string, string | bigint | number | null>;

/** A change to the cache: the row at `key` in `table` becomes `row` (null: deleted). */
export interface CacheChange {
  table: string;
  keyColumn: string;
  key: string | bigint;
  row: CacheRow | null;
}

interface UndoEntry {
  table: string;
  keyColumn: string;
  key: string;
  before: CacheRow | null;
}

interface Envelope {
  operator: string;
  input: unknown;
  undo: UndoEntry[];
}

export interface OutboxEntry {
  seq: number;
  commandId: string;
  name: string;
  operator: string;
  input: unknown;
  status: 'pending' | 'applied' | 'rejected' | 'discarded';
  rejection: {
    code: string;
    message: string;
    problems?: unknown[];
    /** Prepared again from current data: the command that replaced this refused one. */
    replacedBy?: string;
  } | null;
  createdAt: string;
}

const IDENT = /^[a-z_][a-z0-9_]*$/;
const ident = (name: string) => {
  if (!IDENT.test(name)) throw new Error(`not a table or column name: ${name}`);
  return `"${name}"`;
};

function readRow(
  cache: LocalCache,
  table: string,
  keyColumn: string,
  key: string | bigint,
): CacheRow | null {
  return (
    (cache.sqlite
      .prepare(`SELECT * FROM ${ident(table)} WHERE ${ident(keyColumn)} = ?`)
      .get(key) as CacheRow | undefined) ?? null
  );
}

function writeRow(
  cache: LocalCache,
  table: string,
  keyColumn: string,
  key: string | bigint,
  row: CacheRow | null,
): void {
  cache.sqlite.prepare(`DELETE FROM ${ident(table)} WHERE ${ident(keyColumn)} = ?`).run(key);
  if (row) {
    const columns = Object.keys(row);
    cache.sqlite
      .prepare(
        `INSERT INTO ${ident(table)} (${columns.map(ident).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      )
      .run(...columns.map((c) => row[c]));
  }
}

/**
 * Records a command and applies its optimistic changes to the cache, in one SQLite transaction:
 * either both happen or neither. Returns the command id.
 */
export function enqueue(
  cache: LocalCache,
  command: { name: string; operator: string; input: unknown; changes: readonly CacheChange[] },
): string {
  const commandId = randomUUID();
  cache.sqlite.transaction(() => {
    const undo: UndoEntry[] = [];
    for (const c of command.changes) {
      undo.push({
        table: c.table,
        keyColumn: c.keyColumn,
        key: String(c.key),
        before: readRow(cache, c.table, c.keyColumn, c.key),
      });
      writeRow(cache, c.table, c.keyColumn, c.key, c.row);
    }
    const envelope: Envelope = { operator: command.operator, input: command.input, undo };
    cache.sqlite
      .prepare(
        'INSERT INTO outbox (command_id, name, payload, status, created_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(
        commandId,
        command.name,
        JSON.stringify(envelope, (_k, v: unknown) =>
          typeof v === 'bigint' ? { $bigint: v.toString() } : v,
        ),
        'pending',
        Date.now(),
      );
  })();
  return commandId;
}

const revive = (_k: string, v: unknown) =>
  v && typeof v === 'object' && '$bigint' in (v as object)
    ? BigInt((v as { $bigint: string }).$bigint)
    : v;

export function listOutbox(cache: LocalCache, status?: OutboxEntry['status']): OutboxEntry[] {
  const list = cache.sqlite
    .prepare(
      `SELECT seq, command_id, name, payload, status, rejection, created_at FROM outbox ${status ? 'WHERE status = ?' : ''} ORDER BY seq`,
    )
    .all(...(status ? [status] : [])) as {
    seq: bigint;
    command_id: string;
    name: string;
    payload: string;
    status: OutboxEntry['status'];
    rejection: string | null;
    created_at: bigint;
  }[];
  return list.map((r) => {
    const envelope = JSON.parse(r.payload, revive) as Envelope;
    return {
      seq: Number(r.seq),
      commandId: r.command_id,
      name: r.name,
      operator: envelope.operator,
      input: envelope.input,
      status: r.status,
      rejection: r.rejection ? (JSON.parse(r.rejection) as OutboxEntry['rejection']) : null,
      createdAt: new Date(Number(r.created_at)).toISOString(),
    };
  });
}

/** How many commands wait to be pushed (counted, not read). */
export function pendingCount(cache: LocalCache): number {
  const row = cache.sqlite
    .prepare("SELECT count(*) AS n FROM outbox WHERE status = 'pending'")
    .get() as { n: bigint | number };
  return Number(row.n);
}

/**
 * Queues the rows a command changed to be read again from the central store at the next pull and,
 * with `restore`, first undoes its optimistic changes (newest first), e.g. after the central store
 * rejected it.
 */
function undo(cache: LocalCache, seq: number, restore = true): void {
  const row = cache.sqlite.prepare('SELECT payload FROM outbox WHERE seq = ?').get(seq) as
    { payload: string } | undefined;
  if (!row) return;
  const envelope = JSON.parse(row.payload, revive) as Envelope;
  const refetch = cache.sqlite.prepare(
    'INSERT OR IGNORE INTO sync_refetch (tbl, row_key) VALUES (?, ?)',
  );
  for (const u of [...envelope.undo].reverse()) {
    if (restore) writeRow(cache, u.table, u.keyColumn, u.key, u.before);
    // The image is as of when the command was written; the next pull reads the central row again.
    refetch.run(u.table, u.key);
  }
}

/**
 * The central store's verdict on a pushed command. A rejected one's optimistic changes are undone
 * (its rows never existed centrally) and it is kept, with the reason, for the operator to review.
 * An applied one's stay until the next pull replaces them with the central store's own rows (its
 * keys are queued for that pull; local-only keys are removed by it). Undoing them here would be
 * wrong whenever a later command of the same push built on them: settled oldest first, a create
 * undone before its submit let the submit's undo put back the batch it had seen — a DRAFT batch
 * without payouts, visible until the pull (test/drills/drill-sync.test.ts cuts a sync between the two).
 */
export function settle(
  cache: LocalCache,
  seq: number,
  rejection: { code: string; message: string; problems?: unknown[] } | null,
): void {
  cache.sqlite.transaction(() => {
    undo(cache, seq, rejection !== null);
    cache.sqlite
      .prepare('UPDATE outbox SET status = ?, rejection = ? WHERE seq = ?')
      .run(rejection ? 'rejected' : 'applied', rejection ? JSON.stringify(rejection) : null, seq);
  })();
}

/**
 * The operator gives a pending or rejected command up: a pending one is undone in the cache first.
 */
export function discard(cache: LocalCache, ref: string): OutboxEntry {
  const entry = listOutbox(cache).find((e) => e.commandId === ref || String(e.seq) === ref);
  if (!entry) throw new TreasuryError('NOT_FOUND', `no outbox command ${ref}`);
  if (entry.status === 'applied')
    throw new TreasuryError(
      'ILLEGAL_TRANSITION',
      `outbox command ${ref} was already applied centrally: it cannot be discarded`,
    );
  cache.sqlite.transaction(() => {
    if (entry.status === 'pending') undo(cache, entry.seq);
    cache.sqlite.prepare("UPDATE outbox SET status = 'discarded' WHERE seq = ?").run(entry.seq);
  })();
  return { ...entry, status: 'discarded' };
}

/**
 * A refused command prepared again (batches/offline-reprepare.ts): it is settled as discarded, its
 * refusal kept with the command that replaced it, so the outbox tells what became of it.
 */
export function replaceRejected(cache: LocalCache, seq: number, replacedBy: string): void {
  const row = cache.sqlite
    .prepare("SELECT rejection FROM outbox WHERE seq = ? AND status = 'rejected'")
    .get(seq) as { rejection: string | null } | undefined;
  if (!row)
    throw new TreasuryError(
      'ILLEGAL_TRANSITION',
      `outbox command ${seq} is no longer a refused one`,
    );
  const rejection = { ...(JSON.parse(row.rejection ?? '{}') as object), replacedBy };
  cache.sqlite
    .prepare("UPDATE outbox SET status = 'discarded', rejection = ? WHERE seq = ?")
    .run(JSON.stringify(rejection), seq);
}

/**
 * "table\u0000key" of every row a pending command changed optimistically (pull leaves those alone).
 */
export function pendingKeys(cache: LocalCache): string[] {
  const list = cache.sqlite
    .prepare("SELECT payload FROM outbox WHERE status = 'pending'")
    .all() as { payload: string }[];
  return list.flatMap((r) =>
    (JSON.parse(r.payload, revive) as Envelope).undo.map((u) => `${u.table}\u0000${u.key}`),
  );
}
