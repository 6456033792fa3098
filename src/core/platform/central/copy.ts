/**
 * COPY inside a drizzle transaction, on either driver, in Postgres's text format: the fastest way
 * to move many rows in or out (a fraction of the cost of parameter arrays or per-row parsing),
 * which is what set-based jobs spend their time on.
 *
 * COPY takes no bind parameters (callers inline values with `literal()`), and it must not be
 * pipelined with other statements on the same connection: await it before sending the next.
 */
import type { SQL } from 'drizzle-orm';
import type { PgDialect } from 'drizzle-orm/pg-core';
import type { ArrayElement } from './arrays.js';
import type { CentralTx } from './store.js';

interface PostgresJsClient {
  unsafe(query: string): {
    readable(): Promise<NodeJS.ReadableStream>;
    writable(): Promise<NodeJS.WritableStream>;
  };
}
interface PgliteClient {
  query(query: string, params?: unknown[], options?: { blob?: Blob }): Promise<{ blob?: Blob }>;
}

/** The driver's own client behind a drizzle transaction (drizzle keeps it at `session.client`). */
function driverClient(tx: CentralTx): PostgresJsClient | PgliteClient {
  // drizzle does not type its session's client: reached by its known place, checked just below.
  const client = (tx as unknown as { session?: { client?: PostgresJsClient | PgliteClient } })
    .session?.client;
  if (!client) throw new Error('cannot reach the driver client behind this transaction');
  return client;
}

/**
 * postgres.js pauses its socket when a COPY stream's buffer is full and resumes it only from the
 * stream's `_read`. When a whole COPY response arrives in one network read before the caller has
 * attached its listeners (a small result with a row over the 16 KiB buffer: a batch's summary), the
 * socket is paused and the stream already ended, so `_read` never runs again: the next query on
 * that connection waits forever. Calling `_read` once the stream has ended resumes the socket (a
 * no-op when it is not paused).
 */
function resumeSocket(stream: NodeJS.ReadableStream): void {
  // `_read` is the stream's internal hook, not in Node's public type (see above for why).
  (stream as unknown as { _read?: (size: number) => void })._read?.(0);
}

/** A SQL string literal (standard_conforming_strings: only the quote is special). */
export function literal(value: string): string {
  if (value.includes('\u0000')) throw new RangeError('a SQL literal cannot contain NUL');
  return `'${value.replace(/'/g, "''")}'`;
}

// ------------------------------------------------------------------------------------------- out

export async function copyOutText(tx: CentralTx, query: string): Promise<string> {
  const client = driverClient(tx);
  if ('unsafe' in client) {
    const stream = await client.unsafe(`COPY (${query}) TO STDOUT`).readable();
    // Events, not `for await`: the async iterator destroys the stream at its end, which leaves
    // postgres.js unable to finish the next COPY on the same connection (it hangs).
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        resumeSocket(stream);
        resolve();
      });
      stream.on('error', reject);
    });
    return Buffer.concat(chunks).toString('utf8');
  }
  const result = await client.query(`COPY (${query}) TO '/dev/blob'`);
  return result.blob ? await result.blob.text() : '';
}

/**
 * Cuts COPY output into whole lines for `onLines`, a batch at a time, keeping a line split across
 * chunks for the next batch; remembers the first failure of `onLines` (the rest is then dropped).
 */
class LineBatches {
  lines = 0;
  failure: unknown = null;
  private carry: Buffer = Buffer.alloc(0);

  constructor(private readonly onLines: (lines: string[]) => unknown) {}

  /** A line is still waiting for its end. */
  get carrying(): boolean {
    return this.carry.length > 0;
  }

  readonly fail = (error: unknown): void => {
    this.failure ??= error;
  };

  /**
   * Hands every complete line in `carry + parts` to onLines; keeps the incomplete tail. Returns
   * what onLines returned when that is a promise (already guarded: it never rejects).
   */
  emit(parts: Buffer[], final: boolean): Promise<void> | undefined {
    const buf = this.carry.length
      ? Buffer.concat([this.carry, ...parts])
      : parts.length === 1
        ? parts[0]!
        : Buffer.concat(parts);
    const end = final ? buf.length : buf.lastIndexOf(10) + 1;
    this.carry = end < buf.length ? Buffer.from(buf.subarray(end)) : Buffer.alloc(0);
    if (end === 0 || this.failure) return;
    let text = buf.toString('utf8', 0, end);
    if (text.endsWith('\n')) text = text.slice(0, -1);
    const lines = text.split('\n');
    this.lines += lines.length;
    try {
      const wait = this.onLines(lines);
      if (wait instanceof Promise) return wait.then(() => {}, this.fail);
    } catch (error) {
      this.fail(error);
    }
    return;
  }
}

/**
 * postgres.js: the COPY stream read with events, in batches of about `batchBytes`, paused while a
 * batch's promise is pending. Returns the bytes read (all of them, even after a failure: the
 * connection must finish the COPY to stay usable).
 */
async function streamCopyOut(
  client: PostgresJsClient,
  query: string,
  batchBytes: number,
  out: LineBatches,
): Promise<number> {
  const stream = await client.unsafe(`COPY (${query}) TO STDOUT`).readable();
  let bytes = 0;
  let parts: Buffer[] = [];
  let pending = 0;
  // The last onLines promise not yet settled: the stream stays paused until it is.
  let waiting: Promise<void> | undefined;
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (out.failure) return;
      parts.push(chunk);
      pending += chunk.length;
      if (pending >= batchBytes) {
        const batch = parts;
        parts = [];
        pending = 0;
        const wait = out.emit(batch, false);
        if (wait) {
          stream.pause(); // no 'data' event until resumed
          waiting = wait.then(() => {
            waiting = undefined;
            stream.resume();
          });
        }
      }
    });
    stream.on('end', () => {
      resumeSocket(stream);
      // 'end' may come while the last batch is still being taken: finish in order.
      void (async () => {
        await waiting;
        if (parts.length || out.carrying) await out.emit(parts, true);
        resolve();
      })();
    });
    stream.on('error', reject);
  });
  return bytes;
}

/** PGlite: the COPY's Blob read in slices of `batchBytes`. Returns the Blob's size. */
async function blobCopyOut(
  client: PgliteClient,
  query: string,
  batchBytes: number,
  out: LineBatches,
): Promise<number> {
  const result = await client.query(`COPY (${query}) TO '/dev/blob'`);
  const blob = result.blob;
  if (!blob) return 0;
  for (let at = 0; at < blob.size && !out.failure; at += batchBytes) {
    const slice = Buffer.from(
      await blob.slice(at, Math.min(at + batchBytes, blob.size)).arrayBuffer(),
    );
    await out.emit([slice], at + batchBytes >= blob.size);
  }
  return blob.size;
}

/**
 * COPY … TO STDOUT, streamed: `onLines` receives the output's lines (text format, without their
 * '\n') a batch of about `batchBytes` at a time, in order, and the whole result is never held.
 * `onLines` runs synchronously (no await inside a batch), so a caller can write each batch to
 * another store in one transaction. It may return a Promise: reading pauses until it settles
 * (backpressure, for a consumer that hands the lines to another thread). Lines split across
 * network chunks are joined first (split at the '\n' byte, which never occurs inside a multi-byte
 * UTF-8 character).
 *
 * postgres.js: its readable pauses the socket when the stream's buffer is full (backpressure), and
 * it is consumed with events, not `for await` (see copyOutText). If `onLines` throws (or its
 * promise rejects), the rest of the output is drained and dropped (the connection must finish the
 * COPY to stay usable) and the error is thrown once the COPY is over.
 * PGlite: COPY writes its whole output to a Blob (its only COPY TO target); that Blob is read in
 * slices of `batchBytes`, so no single string of the whole output is built — but the Blob itself
 * holds the whole result in memory: callers that need flat memory on PGlite page their query.
 */
export async function copyOutChunks(
  tx: CentralTx,
  query: string,
  onLines: (lines: string[]) => unknown,
  options: { batchBytes?: number } = {},
): Promise<{ lines: number; bytes: number }> {
  const batchBytes = options.batchBytes ?? 1 << 20;
  const client = driverClient(tx);
  const out = new LineBatches(onLines);
  const bytes =
    'unsafe' in client
      ? await streamCopyOut(client, query, batchBytes, out)
      : await blobCopyOut(client, query, batchBytes, out);
  if (out.failure) throw out.failure;
  return { lines: out.lines, bytes };
}

const UNESCAPE: Record<string, string> = {
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

/**
 * One text-format field: `\N` is null; backslash escapes are undone (fast path when there are
 * none).
 */
export function copyField(raw: string): string | null {
  if (raw === '\\N') return null;
  if (!raw.includes('\\')) return raw;
  return raw.replace(/\\(.)/g, (_, c: string) => UNESCAPE[c] ?? c);
}

/**
 * The rows of a query as text fields by column name (null for NULL), read with COPY: on the
 * embedded store a hundred thousand rows arrive in a fraction of what its row-by-row decoding
 * costs. The query's columns must be `columns`, in that order.
 */
export async function copyRows<K extends string>(
  tx: CentralTx,
  query: SQL,
  columns: readonly K[],
): Promise<Record<K, string | null>[]> {
  const text = await copyOutText(tx, inlineQuery(tx, query));
  const lines =
    text.length === 0 ? [] : (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
  return lines.map((line) => {
    const fields = line.split('\t');
    if (fields.length !== columns.length)
      throw new Error(
        `COPY returned ${fields.length} fields, not the ${columns.length} of ${columns.join(', ')}`,
      );
    const row = {} as Record<K, string | null>;
    for (let i = 0; i < columns.length; i++) row[columns[i]!] = copyField(fields[i]!);
    return row;
  });
}

/**
 * A drizzle query as one SQL text with its parameters inlined as literals, for COPY (which takes no
 * bind parameters). Only plain values: text, numbers, booleans, null, dates.
 */
export function inlineQuery(tx: CentralTx, query: SQL): string {
  // drizzle keeps the dialect on the db, or on a transaction's session; neither is in its types.
  const dialect =
    (tx as unknown as { dialect?: PgDialect; session?: { dialect?: PgDialect } }).dialect ??
    (tx as unknown as { session: { dialect: PgDialect } }).session.dialect;
  const { sql: text, params } = dialect.sqlToQuery(query);
  return text.replace(/\$(\d+)\b/g, (_, n: string) => {
    const v = params[Number(n) - 1];
    if (v === null || v === undefined) return 'NULL';
    if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
    // Parenthesised: a negative number after a '-' in the text must not become a '--' comment.
    if (typeof v === 'number' && Number.isFinite(v)) return `(${String(v)})`;
    if (typeof v === 'bigint') return `(${v.toString()})`;
    if (v instanceof Date) return literal(v.toISOString());
    if (typeof v === 'string') return literal(v);
    throw new RangeError(`cannot inline a parameter of type ${typeof v} into COPY`);
  });
}

// -------------------------------------------------------------------------------------------- in

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const NEEDS_ESCAPE = /[\\\t\n\r]/;

function field(v: ArrayElement): string {
  if (v === null) return '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number' && !Number.isSafeInteger(v))
    throw new RangeError(`COPY field ${v} is not a safe integer`);
  const s = v.toString();
  return NEEDS_ESCAPE.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : s;
}

/** One text-format line. */
export function copyLine(values: readonly ArrayElement[]): string {
  let line = field(values[0]!);
  for (let i = 1; i < values.length; i++) line += '\t' + field(values[i]!);
  return line + '\n';
}

export async function copyInto(
  tx: CentralTx,
  target: string,
  lines: readonly string[],
): Promise<void> {
  if (lines.length === 0) return;
  const client = driverClient(tx);
  if ('unsafe' in client) {
    const stream = await client.unsafe(`COPY ${target} FROM STDIN`).writable();
    await new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
      // ~1 MiB writes rather than one per row.
      for (let i = 0; i < lines.length; i += 5000) stream.write(lines.slice(i, i + 5000).join(''));
      stream.end();
    });
  } else {
    await client.query(`COPY ${target} FROM '/dev/blob'`, [], {
      blob: new Blob(lines as string[]),
    });
  }
}
