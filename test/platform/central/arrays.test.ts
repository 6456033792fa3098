/**
 * Bulk statements pass one Postgres array literal per column; whatever a value contains (quotes,
 * backslashes, commas, braces, the word NULL, Unicode) must come back exactly, and integers must
 * never pass through a float. Checked against a real Postgres (PGlite).
 */
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgArray } from '../../../src/core/platform/central/arrays.js';
import {
  copyField,
  copyInto,
  copyLine,
  copyOutText,
  literal,
} from '../../../src/core/platform/central/copy.js';
import { rows, type CentralStore } from '../../../src/core/platform/central/store.js';
import { chunkAffiliates } from '../../../src/core/domain/calculation/run.js';
import { openTestCentral } from '../../support/central.js';

describe('bulk transfer formats against Postgres (array literals, COPY text)', () => {
  let store: CentralStore;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ store, cleanup } = await openTestCentral('pglite')));
  afterAll(() => cleanup());

  it('round-trips awkward strings and null exactly', async () => {
    const values = [
      'plain',
      'with "quotes"',
      'back\\slash',
      'a,b',
      '{braces}',
      'NULL',
      '',
      ' spaced ',
      'ünïcødé ✓',
      "it's",
      null,
    ];
    const back = await rows<{ v: string | null }>(
      store.db,
      sql`SELECT unnest(${pgArray(values)}::text[]) AS v`,
    );
    expect(back.map((r) => r.v)).toEqual(values);
  });

  it('round-trips any string (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ unit: 'binary' }).map((s) => s.replaceAll('\u0000', '')),
          { maxLength: 20 },
        ),
        async (values) => {
          const back = await rows<{ v: string }>(
            store.db,
            sql`SELECT unnest(${pgArray(values)}::text[]) AS v`,
          );
          expect(back.map((r) => r.v)).toEqual(values);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('keeps 64-bit integers exact and refuses unsafe numbers', async () => {
    const big = [9223372036854775807n, -9223372036854775808n, 0n, 12345678901234567n];
    const back = await rows<{ v: string }>(
      store.db,
      sql`SELECT unnest(${pgArray(big)}::bigint[])::text AS v`,
    );
    expect(back.map((r) => BigInt(r.v))).toEqual(big);
    expect(() => pgArray([2 ** 53])).toThrow(/not a safe integer/);
    expect(() => pgArray([0.5])).toThrow(/not a safe integer/);
  });

  it('copyLine → COPY FROM → COPY TO → copyField round-trips tabs, newlines, backslashes and null', async () => {
    const values = [
      'plain',
      'tab\there',
      'new\nline',
      'cr\rhere',
      'back\\slash',
      '\\N',
      'ünïcødé',
      null,
    ];
    const back = await store.db.transaction(async (tx) => {
      await tx.execute(sql`CREATE TEMP TABLE t (i int, v text) ON COMMIT DROP`);
      await copyInto(
        tx,
        't (i, v)',
        values.map((v, i) => copyLine([i, v])),
      );
      return copyOutText(tx, 'SELECT v FROM t ORDER BY i');
    });
    expect(back.slice(0, -1).split('\n').map(copyField)).toEqual(values);
  });

  it('literal() quotes safely', async () => {
    const [r] = await rows<{ v: string }>(
      store.db,
      sql.raw(`SELECT ${literal("it's; DROP TABLE x; --")} AS v`),
    );
    expect(r!.v).toBe("it's; DROP TABLE x; --");
  });
});

describe('chunkAffiliates', () => {
  it('keeps each affiliate whole, in order, and chunks within the limit unless one affiliate exceeds it', () => {
    const counts = [
      { id: 'a', n: 30 },
      { id: 'b', n: 30 },
      { id: 'c', n: 50 },
      { id: 'd', n: 120 },
      { id: 'e', n: 10 },
    ];
    expect(chunkAffiliates(counts, 60)).toEqual([['a', 'b'], ['c'], ['d'], ['e']]);
    expect(chunkAffiliates([], 60)).toEqual([]);
  });
});
