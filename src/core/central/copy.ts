/**
 * COPY … FROM STDIN inside a drizzle transaction, on either driver: the fastest way to move many
 * rows into Postgres (text format, one line per row). Used for staging tables that a set-based
 * INSERT … SELECT then merges, so the merge keeps its checks and joins.
 */
import type { CentralTx } from './store.js';
import type { ArrayElement } from './arrays.js';

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function field(v: ArrayElement): string {
  if (v === null) return '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new RangeError(`COPY field ${v} is not a safe integer`);
  const s = v.toString();
  return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : s;
}

export function copyLine(values: readonly ArrayElement[]): string {
  return values.map(field).join('\t') + '\n';
}

interface PostgresJsClient {
  unsafe(query: string): { writable(): Promise<NodeJS.WritableStream> };
}
interface PgliteClient {
  query(query: string, params: unknown[], options: { blob: Blob }): Promise<unknown>;
}

/** The driver's own client behind a drizzle transaction (drizzle keeps it at `session.client`). */
function driverClient(tx: CentralTx): PostgresJsClient | PgliteClient {
  const client = (tx as unknown as { session?: { client?: unknown } }).session?.client;
  if (!client) throw new Error('cannot reach the driver client behind this transaction');
  return client as PostgresJsClient | PgliteClient;
}

export async function copyInto(tx: CentralTx, target: string, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  const client = driverClient(tx);
  if ('unsafe' in client) {
    const stream = await client.unsafe(`COPY ${target} FROM STDIN`).writable();
    const { Readable } = await import('node:stream');
    const { pipeline } = await import('node:stream/promises');
    // ~1 MiB writes rather than one per row.
    const chunks: string[] = [];
    for (let i = 0; i < lines.length; i += 5000) chunks.push(lines.slice(i, i + 5000).join(''));
    await pipeline(Readable.from(chunks), stream);
  } else {
    await client.query(`COPY ${target} FROM '/dev/blob'`, [], { blob: new Blob(lines as string[]) });
  }
}
