/**
 * Writing many chunks of rows (an import, the demo): on PostgreSQL in one transaction — readers
 * never wait for a writer there, and it is all or nothing; on the embedded store, whose one
 * connection a long transaction would hold for everyone, one short transaction per chunk with the
 * console's calls first between them (lanes.ts), results kept between requests looking past the
 * chunks until the writing ends. There the work commits as it goes: once its first chunk is in, it
 * completes (`committing` says when), and its writes are idempotent upserts, so running it again
 * after an interruption completes it.
 *
 * The next chunk is produced outside any transaction (parsing a file, generating rows): only the
 * store's own work holds the connection.
 */
import { sql } from 'drizzle-orm';
import { rows, type CentralStore, type CentralTx } from './store.js';

export interface ChunkWriter<C, R> {
  /** Writes one chunk in the transaction given. */
  write(tx: CentralTx, chunk: C): Promise<void>;
  /** On the embedded store, just before its first chunk commits: from here the work completes. */
  committing?(): void;
  /** The last transaction (on PostgreSQL, the same one): checks, compaction, the audit entry. */
  finish(tx: CentralTx): Promise<R>;
}

export async function writeInChunks<C, R>(
  store: CentralStore,
  chunks: AsyncIterable<C> | Iterable<C>,
  writer: ChunkWriter<C, R>,
): Promise<R> {
  if (store.kind === 'postgres') {
    return store.db.transaction(async (tx) => {
      for await (const chunk of chunks) await writer.write(tx, chunk);
      return writer.finish(tx);
    });
  }
  const { db, lanes } = store;
  return lanes.writing(async (wrote) => {
    let first = true;
    for await (const chunk of chunks) {
      await lanes.quiet(); // the console's calls first
      if (first) writer.committing?.();
      first = false;
      await db.transaction(async (tx) => {
        await writer.write(tx, chunk);
        await noteSlice(tx, wrote);
      });
    }
    await lanes.quiet();
    return db.transaction((tx) => writer.finish(tx));
  });
}

/**
 * Records a background slice's transaction, so that kept results look past it while the work runs
 * (lanes.ts).
 */
export async function noteSlice(tx: CentralTx, wrote: (xid: string) => void): Promise<void> {
  const [xid] = await rows<{ xid: string | null }>(
    tx,
    sql`SELECT pg_current_xact_id_if_assigned()::text AS xid`,
  );
  if (xid?.xid) wrote(xid.xid);
}
