/**
 * The dry run of an import (check.ts) through the router: the same checks as the import, every
 * problem with line and field, counts of new / changed / unchanged rows against the store, exact
 * per-currency totals — and nothing written but the router's one audit entry for the call. An
 * import given the checked SHA-256 refuses a file changed since.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportPreview } from '../../../src/core/domain/imports/check.js';
import type { ImportSummary } from '../../../src/core/domain/imports/run.js';
import { rows } from '../../../src/core/platform/central/store.js';
import { TreasuryError } from '../../../src/core/shared/errors.js';
import { tempDir } from '../../support/central.js';
import { openTestWorkstation, type TestWorkstation } from '../../support/workstation.js';

const AFF_HEADER =
  'id,name,email,country,currency,provider,channel_code,account_number,account_holder_name,status,kyc_status';
const CONV_HEADER =
  'id,affiliate_id,occurred_at,product,gross_amount,discount_amount,currency,status,refunded_at';
const lines = (ls: readonly string[]) => ls.join('\n') + '\n';

const AFFILIATES = [
  AFF_HEADER,
  'a1,Alice,alice@x.example,US,USD,,,,,active,approved',
  'a2,Budi,budi@x.example,ID,IDR,,,,,active,',
];

let t: TestWorkstation;
let dir = '';
let remove = () => {};
const write = (name: string, text: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
};
const check = (kind: 'affiliates' | 'conversions', file: string) =>
  t.call<ImportPreview>(`${kind}.import`, { file, dryRun: true });

/** Everything an import could write, and the audit trail's length. */
async function counts() {
  const [c] = await rows<{ affiliates: number; conversions: number; audit: number }>(
    t.ws.central.db,
    sql`SELECT (SELECT count(*) FROM affiliates)::int AS affiliates, (SELECT count(*) FROM conversions)::int AS conversions,
               (SELECT count(*) FROM audit_log)::int AS audit`,
  );
  return {
    affiliates: Number(c!.affiliates),
    conversions: Number(c!.conversions),
    audit: Number(c!.audit),
  };
}

/** A dry run must leave the data as it was and add exactly the router's entry for the call. */
async function writesNothing<T>(run: () => Promise<T>): Promise<T> {
  const before = await counts();
  const result = await run();
  const after = await counts();
  expect({ ...after, audit: before.audit }).toEqual(before);
  expect(after.audit).toBe(before.audit + 1);
  return result;
}

beforeAll(async () => {
  t = await openTestWorkstation('pglite');
  ({ dir, remove } = tempDir('treasury-dry-run-'));
});
afterAll(async () => {
  await t?.cleanup();
  remove();
});

describe('import dry run on pglite', () => {
  it('previews new affiliates, writing nothing', async () => {
    const file = write('affiliates.csv', lines(AFFILIATES));
    const preview = await writesNothing(() => check('affiliates', file));
    expect(preview).toMatchObject({
      dryRun: true,
      file: 'affiliates.csv',
      rows: 2,
      inserted: 2,
      updated: 0,
      unchanged: 0,
      problems: [],
      problemCount: 0,
      totals: [],
    });
    expect(preview.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(preview.sample).toMatchObject({
      kind: 'affiliates',
      rows: [{ id: 'a1' }, { id: 'a2' }],
    });
  });

  it('after the import, tells changed rows from unchanged ones', async () => {
    await t.call<ImportSummary>('affiliates.import', {
      file: write('affiliates.csv', lines(AFFILIATES)),
    });
    const changed = write(
      'affiliates-2.csv',
      lines([
        AFF_HEADER,
        'a1,Alice,alice@x.example,US,USD,,,,,active,', // no kyc_status: the stored one is kept
        'a2,Budi Santoso,budi@x.example,ID,IDR,,,,,active,', // renamed
        'a3,Carol,carol@x.example,PH,PHP,,,,,active,',
      ]),
    );
    const preview = await writesNothing(() => check('affiliates', changed));
    expect(preview).toMatchObject({ rows: 3, inserted: 1, updated: 1, unchanged: 1 });
  });

  it('sums conversions per currency exactly, in minor units', async () => {
    const file = write(
      'conversions.csv',
      lines([
        CONV_HEADER,
        'c1,a1,2026-03-01T10:00:00Z,pro,92233720368547758.07,0.01,USD,approved,',
        'c2,a1,2026-03-02T10:00:00Z,pro,0.10,0,USD,approved,',
        'c3,a2,2026-03-01T10:00:00+07:00,pro,15000,500,IDR,approved,',
      ]),
    );
    const preview = await writesNothing(() => check('conversions', file));
    expect(preview).toMatchObject({ rows: 3, inserted: 3, updated: 0, unchanged: 0 });
    // 92233720368547758.07 + 0.10 = 9223372036854775817 cents: beyond a float's exact range.
    expect(preview.totals).toEqual([
      { currency: 'IDR', rows: 1, gross: 1500000n, discount: 50000n, net: 1450000n }, // IDR has 2 decimals
      {
        currency: 'USD',
        rows: 2,
        gross: 9223372036854775817n,
        discount: 1n,
        net: 9223372036854775816n,
      },
    ]);
    expect(preview.sample.kind).toBe('conversions');
    expect(preview.sample.rows[0]).toMatchObject({ id: 'c1', grossMinor: 9223372036854775807n });
  });

  it('lists every problem of a bad file with line and field, in line order, writing nothing', async () => {
    const file = write(
      'bad.csv',
      lines([
        CONV_HEADER,
        'c1,a1,2026-03-01T10:00:00Z,pro,12.345,0,USD,approved,', // 3 decimals for USD
        'c2,nobody,2026-03-01T10:00:00Z,pro,1,0,USD,approved,', // unknown affiliate
        'c3,a1,yesterday,pro,1,2,USD,maybe,', // date, discount > gross, status
        'c2,a1,2026-03-01T10:00:00Z,pro,1,0,USD,approved,', // duplicate id
        'c5,a1,2026-03-01T10:00:00Z,pro,1,0,US$,approved,', // currency
        'c6,a1,2026-03-01T10:00:00Z,pro,1', // too few fields
        'c7,a2,2026-03-01T10:00:00Z,pro,1,0,IDR,approved,', // a good one among them
      ]),
    );
    const preview = await writesNothing(() => check('conversions', file));
    const where = preview.problems.map((p) => [p.line, p.field ?? null]);
    expect(where).toEqual([
      [2, 'gross_amount'],
      [3, 'affiliate_id'],
      [4, 'status'],
      [4, 'occurred_at'],
      [4, 'discount_amount'],
      [5, 'id'],
      [6, 'currency'],
      [7, null],
    ]);
    expect(preview.problemCount).toBe(8);
    expect(preview.problems.every((p) => p.file === 'bad.csv' && p.message.length > 0)).toBe(true);
    expect(preview).toMatchObject({ rows: 7 });
  });

  it('shows a refused header as the file’s problems', async () => {
    const file = write('header.csv', lines(['id,affiliate,occurred_at', 'c1,a1,2026-01-01']));
    const preview = await writesNothing(() => check('conversions', file));
    expect(preview.rows).toBe(0);
    expect(preview.problems.length).toBeGreaterThan(0);
    expect(preview.problems.every((p) => p.line === 1)).toBe(true);
    expect(preview.problems.map((p) => p.field)).toContain('affiliate_id');
  });

  it('reports a conversion that would move to another affiliate', async () => {
    await t.call('conversions.import', {
      file: write(
        'one.csv',
        lines([CONV_HEADER, 'm1,a1,2026-03-01T10:00:00Z,pro,1,0,USD,approved,']),
      ),
    });
    const file = write(
      'moved.csv',
      lines([CONV_HEADER, 'm1,a2,2026-03-01T10:00:00Z,pro,1,0,USD,approved,']),
    );
    const preview = await writesNothing(() => check('conversions', file));
    expect(preview.problems).toMatchObject([{ line: 2, field: 'affiliate_id' }]);
  });

  it('imports the checked file; refuses one changed since it was checked', async () => {
    const file = write(
      'later.csv',
      lines([CONV_HEADER, 'l1,a1,2026-03-01T10:00:00Z,pro,1,0,USD,approved,']),
    );
    const preview = await check('conversions', file);
    writeFileSync(file, lines([CONV_HEADER, 'l1,a1,2026-03-01T10:00:00Z,pro,2,0,USD,approved,']));
    const before = await counts();
    const refused = await t.call('conversions.import', { file, sha256: preview.sha256 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(TreasuryError);
    expect((refused as TreasuryError).code).toBe('CONFLICT');
    expect((await counts()).conversions).toBe(before.conversions);

    const again = await check('conversions', file);
    const summary = await t.call<ImportSummary>('conversions.import', {
      file,
      sha256: again.sha256,
    });
    expect(summary).toMatchObject({ rows: 1, inserted: 1 });
  });
});
