/**
 * COPY (query) TO STDOUT inside a drizzle transaction, on either driver, as text-format rows.
 * Reading a big result this way costs a fraction of the driver's row-by-row parsing (fewer objects,
 * no per-field buffers), which is what set-based jobs spend their time on.
 *
 * COPY takes no bind parameters: callers inline values with `literal()`. It must not be pipelined
 * with other statements on the same connection.
 */
import type { CentralTx } from './store.js';

/** A SQL string literal (standard_conforming_strings: only the quote is special). */
export function literal(value: string): string {
  if (value.includes('\u0000')) throw new RangeError('a SQL literal cannot contain NUL');
  return `'${value.replace(/'/g, "''")}'`;
}

interface PostgresJsClient {
  unsafe(query: string): { readable(): Promise<NodeJS.ReadableStream> };
}
interface PgliteClient {
  query(query: string): Promise<{ blob?: Blob }>;
}

export async function copyOutText(tx: CentralTx, query: string): Promise<string> {
  const client = (tx as unknown as { session?: { client?: PostgresJsClient | PgliteClient } }).session?.client;
  if (!client) throw new Error('cannot reach the driver client behind this transaction');
  if ('unsafe' in client) {
    const stream = await client.unsafe(`COPY (${query}) TO STDOUT`).readable();
    // Events, not `for await`: the async iterator destroys the stream at its end, which leaves
    // postgres.js unable to finish the next COPY on the same connection (it hangs).
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    return Buffer.concat(chunks).toString('utf8');
  }
  const result = await client.query(`COPY (${query}) TO '/dev/blob'`);
  return result.blob ? await result.blob.text() : '';
}

const UNESCAPE: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** One text-format field: `\N` is null; backslash escapes are undone (fast path when there are none). */
export function copyField(raw: string): string | null {
  if (raw === '\\N') return null;
  if (!raw.includes('\\')) return raw;
  return raw.replace(/\\(.)/g, (_, c: string) => UNESCAPE[c] ?? c);
}

/** Splits COPY text output into rows of fields (null for \N). */
export function copyRows(text: string): (string | null)[][] {
  const out: (string | null)[][] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    out.push(text.slice(start, end).split('\t').map(copyField));
    start = end + 1;
  }
  return out;
}
