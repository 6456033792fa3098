/**
 * CSV imports end to end through the router, on real CSV files and a real central store: exact
 * amounts, idempotent re-imports, atomicity (one bad row → nothing written) and problems that say
 * file, line and field — for every problem in the file, not just the first.
 *
 * Bad-input cases run on PGlite; idempotency and atomicity also run on a real Postgres server.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../../src/core/platform/central/store.js';
import { TreasuryError, type Problem } from '../../../src/core/shared/errors.js';
import type { ImportSummary } from '../../../src/core/domain/imports/run.js';
import { tempDir, type Driver } from '../../support/central.js';
import { pgAvailable } from '../../support/pg.js';
import { openTestWorkstation, type TestWorkstation } from '../../support/workstation.js';

const AFF_HEADER =
  'id,name,email,country,currency,provider,channel_code,account_number,account_holder_name,status,kyc_status';
const CONV_HEADER =
  'id,affiliate_id,occurred_at,product,gross_amount,discount_amount,currency,status,refunded_at';

const AFFILIATES = [
  AFF_HEADER,
  'a1,Alice,alice@x.example,US,USD,rise,RISE_USD,us-alice001,ALICE,active,approved',
  'a2,Budi,budi@x.example,ID,IDR,xendit,ID_BCA,1234567890,BUDI SANTOSO,active,',
  'a3,Carol,carol@x.example,PH,PHP,,,,,active,pending',
];
const CONVERSIONS = [
  CONV_HEADER,
  'c1,a1,2026-03-01T10:00:00Z,pro,12.34,0,USD,approved,',
  'c2,a2,2026-03-01T10:00:00+07:00,pro,15000,500,IDR,approved,',
  'c3,a1,2026-03-02,enterprise,92233720368547758.07,0.01,USD,refunded,2026-03-05T00:00:00Z',
  'c4,a3,2026-03-03T00:00:00Z,"gift card, annual",5,5,PHP,pending,',
];
const lines = (ls: readonly string[]) => ls.join('\n') + '\n';

/**
 * Shared plumbing: a signed-in workstation, a directory for CSV files, counts of what is stored.
 */
function harness(driver: Driver) {
  const h = {
    t: undefined as unknown as TestWorkstation,
    dir: '',
    remove: () => {},
    write(name: string, text: string): string {
      const f = path.join(h.dir, name);
      writeFileSync(f, text);
      return f;
    },
    importFile: (kind: 'affiliates' | 'conversions', file: string) =>
      h.t.call<ImportSummary>(`${kind}.import`, { file }),
    /** Everything an import could write: the data, audit entries and applied-command records. */
    async counts() {
      const [c] = await rows<{
        affiliates: number;
        conversions: number;
        audit: number;
        applied: number;
      }>(
        h.t.ws.central.db,
        sql`SELECT (SELECT count(*) FROM affiliates)::int AS affiliates, (SELECT count(*) FROM conversions)::int AS conversions,
                   (SELECT count(*) FROM audit_log)::int AS audit, (SELECT count(*) FROM applied_commands)::int AS applied`,
      );
      return {
        affiliates: Number(c!.affiliates),
        conversions: Number(c!.conversions),
        audit: Number(c!.audit),
        applied: Number(c!.applied),
      };
    },
    /**
     * Imports a file that must be refused: returns the error after checking that nothing was
     * written.
     */
    async refused(
      kind: 'affiliates' | 'conversions',
      file: string,
      code = 'CSV_INVALID',
    ): Promise<TreasuryError> {
      const before = await h.counts();
      const error = await h.importFile(kind, file).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, `${path.basename(file)} should have been refused`).toBeInstanceOf(
        TreasuryError,
      );
      expect((error as TreasuryError).code).toBe(code);
      // No data and no replay record; the trail has the attempt (allowed) and its end (failed,
      // why).
      const after = await h.counts();
      expect({ ...after, audit: before.audit }).toEqual(before);
      expect(after.audit).toBe(before.audit + 2);
      const [last] = await rows<{ action: string; decision: string; code: string }>(
        h.t.ws.central.db,
        sql`SELECT action, decision, after->>'code' AS code FROM audit_log ORDER BY seq DESC LIMIT 1`,
      );
      expect(last).toEqual({ action: `${kind}.import`, decision: 'failed', code });
      return error as TreasuryError;
    },
  };
  beforeAll(async () => {
    h.t = await openTestWorkstation(driver);
    const tmp = tempDir('treasury-csv-');
    h.dir = tmp.dir;
    h.remove = tmp.remove;
  });
  afterAll(async () => {
    await h.t?.cleanup();
    h.remove();
  });
  return h;
}

/** Problems reduced to where they are, in order. */
const where = (e: TreasuryError) => e.problems.map((p) => ({ line: p.line, field: p.field }));

function idempotencyAndAtomicity(driver: Driver) {
  const h = harness(driver);
  const stored = async () =>
    rows<{
      id: string;
      gross: string;
      discount: string;
      currency: string;
      status: string;
      occurred: string;
      refunded: string | null;
      product: string;
    }>(
      h.t.ws.central.db,
      sql`SELECT id, gross_minor::text AS gross, discount_minor::text AS discount, currency, status, product,
                 to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS occurred,
                 to_char(refunded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS refunded
          FROM conversions ORDER BY id`,
    );

  it('imports good affiliates and conversions with exact amounts and instants', async () => {
    const aff = await h.importFile('affiliates', h.write('affiliates.csv', lines(AFFILIATES)));
    expect(aff).toMatchObject({
      file: 'affiliates.csv',
      rows: 3,
      inserted: 3,
      updated: 0,
      unchanged: 0,
    });
    expect(aff.sha256).toMatch(/^[0-9a-f]{64}$/);

    const affRows = await rows<{
      id: string;
      payout_provider: string | null;
      payout_account_holder_name: string | null;
      kyc_status: string;
      payout_currency: string;
    }>(
      h.t.ws.central.db,
      sql`SELECT id, payout_provider, payout_account_holder_name, kyc_status, payout_currency FROM affiliates ORDER BY id`,
    );
    expect(affRows).toEqual([
      {
        id: 'a1',
        payout_provider: 'rise',
        payout_account_holder_name: 'ALICE',
        kyc_status: 'approved',
        payout_currency: 'USD',
      },
      {
        id: 'a2',
        payout_provider: 'xendit',
        payout_account_holder_name: 'BUDI SANTOSO',
        kyc_status: 'pending',
        payout_currency: 'IDR',
      }, // empty kyc → default
      {
        id: 'a3',
        payout_provider: null,
        payout_account_holder_name: null,
        kyc_status: 'pending',
        payout_currency: 'PHP',
      }, // no destination yet
    ]);

    const conv = await h.importFile('conversions', h.write('conversions.csv', lines(CONVERSIONS)));
    expect(conv).toMatchObject({
      file: 'conversions.csv',
      rows: 4,
      inserted: 4,
      updated: 0,
      unchanged: 0,
    });
    expect(await stored()).toEqual([
      {
        id: 'c1',
        gross: '1234',
        discount: '0',
        currency: 'USD',
        status: 'approved',
        product: 'pro',
        occurred: '2026-03-01T10:00:00Z',
        refunded: null,
      },
      // IDR has exponent 2 in our table: 15000 → 1 500 000 minor units; +07:00 → 03:00 UTC.
      {
        id: 'c2',
        gross: '1500000',
        discount: '50000',
        currency: 'IDR',
        status: 'approved',
        product: 'pro',
        occurred: '2026-03-01T03:00:00Z',
        refunded: null,
      },
      // 2^63 - 1 minor units: the largest amount a bigint column holds, no float on the way.
      {
        id: 'c3',
        gross: '9223372036854775807',
        discount: '1',
        currency: 'USD',
        status: 'refunded',
        product: 'enterprise',
        occurred: '2026-03-02T00:00:00Z',
        refunded: '2026-03-05T00:00:00Z',
      },
      {
        id: 'c4',
        gross: '500',
        discount: '500',
        currency: 'PHP',
        status: 'pending',
        product: 'gift card, annual',
        occurred: '2026-03-03T00:00:00Z',
        refunded: null,
      },
    ]);
  });

  it('re-importing the same files changes nothing; the imports are audited; one changed row → updated 1', async () => {
    const before = await rows<{ id: string; updated_at: string }>(
      h.t.ws.central.db,
      sql`SELECT id, updated_at::text FROM conversions ORDER BY id`,
    );

    expect(await h.importFile('affiliates', path.join(h.dir, 'affiliates.csv'))).toMatchObject({
      rows: 3,
      inserted: 0,
      updated: 0,
      unchanged: 3,
    });
    const again = await h.importFile('conversions', path.join(h.dir, 'conversions.csv'));
    expect(again).toMatchObject({ rows: 4, inserted: 0, updated: 0, unchanged: 4 });
    expect(
      await rows(h.t.ws.central.db, sql`SELECT id, updated_at::text FROM conversions ORDER BY id`),
    ).toEqual(before); // untouched, not rewritten

    const audit = await rows<{
      entity_id: string;
      rows: string;
      inserted: string;
      unchanged: string;
    }>(
      h.t.ws.central.db,
      sql`SELECT entity_id, after->>'rows' AS rows, after->>'inserted' AS inserted, after->>'unchanged' AS unchanged
          FROM audit_log WHERE action = 'conversions.import' AND entity_type = 'import' ORDER BY seq`,
    );
    expect(audit).toEqual([
      { entity_id: again.sha256, rows: '4', inserted: '4', unchanged: '0' },
      { entity_id: again.sha256, rows: '4', inserted: '0', unchanged: '4' },
    ]);

    const changed = CONVERSIONS.map((l) => (l.startsWith('c1,') ? l.replace('12.34', '12.35') : l));
    expect(
      await h.importFile('conversions', h.write('conversions-2.csv', lines(changed))),
    ).toMatchObject({ rows: 4, inserted: 0, updated: 1, unchanged: 3 });
    expect((await stored()).find((r) => r.id === 'c1')!.gross).toBe('1235');

    const moved = AFFILIATES.map((l) =>
      l.startsWith('a2,') ? l.replace('1234567890', '9999999999') : l,
    );
    expect(
      await h.importFile('affiliates', h.write('affiliates-2.csv', lines(moved))),
    ).toMatchObject({ rows: 3, inserted: 0, updated: 1, unchanged: 2 });
  });

  it('a file without the optional kyc_status column keeps the stored KYC status', async () => {
    const noKyc = AFFILIATES.map((l) => l.replace(/,[^,]*$/, '')).map((l) =>
      l.startsWith('a2,') ? l.replace('1234567890', '9999999999') : l,
    );
    expect(noKyc[0]).toBe(AFF_HEADER.replace(',kyc_status', ''));
    expect(
      await h.importFile('affiliates', h.write('affiliates-nokyc.csv', lines(noKyc))),
    ).toMatchObject({ rows: 3, inserted: 0, updated: 0, unchanged: 3 });
    const [a1] = await rows<{ kyc_status: string }>(
      h.t.ws.central.db,
      sql`SELECT kyc_status FROM affiliates WHERE id = 'a1'`,
    );
    expect(a1!.kyc_status).toBe('approved');
  });

  it('a conversion cannot move to another affiliate (its commission belongs to the first)', async () => {
    const movedFile = h.write(
      'moved.csv',
      lines([CONV_HEADER, 'c9,a1,2026-03-09T00:00:00Z,pro,1.00,0,USD,approved,']),
    );
    await h.importFile('conversions', movedFile);
    const error = await h.refused(
      'conversions',
      h.write(
        'moved-2.csv',
        lines([CONV_HEADER, 'c9,a2,2026-03-09T00:00:00Z,pro,1.00,0,IDR,approved,']),
      ),
    );
    expect(error.problems).toEqual([
      {
        file: 'moved-2.csv',
        line: 2,
        field: 'affiliate_id',
        message: expect.stringMatching(/"c9" belongs to affiliate "a1"/) as string,
      },
    ]);
  });

  it('is atomic: 10,000 good rows and one bad row at the end write nothing', async () => {
    const good = Array.from({ length: 10_000 }, (_, i) => {
      const n = String(i).padStart(5, '0');
      return `bulk-${n},a1,2026-04-01T00:00:00Z,pro,${i}.${String(i % 100).padStart(2, '0')},0,USD,approved,`;
    });
    const bad = 'bulk-bad,a1,2026-04-01T00:00:00Z,pro,10.001,0,USD,approved,';
    const error = await h.refused(
      'conversions',
      h.write('bulk-bad.csv', lines([CONV_HEADER, ...good, bad])),
    );
    expect(error.problems).toEqual([
      {
        file: 'bulk-bad.csv',
        line: 10_002,
        field: 'gross_amount',
        message: expect.stringContaining('USD') as string,
      },
    ]);
    const [n] = await rows<{ n: number }>(
      h.t.ws.central.db,
      sql`SELECT count(*)::int AS n FROM conversions WHERE id LIKE 'bulk-%'`,
    );
    expect(Number(n!.n)).toBe(0);

    // The same rows without the bad one import fine (more than one write chunk), so it was that
    // row.
    const ok = await h.importFile(
      'conversions',
      h.write('bulk-good.csv', lines([CONV_HEADER, ...good])),
    );
    expect(ok).toMatchObject({ rows: 10_000, inserted: 10_000, updated: 0, unchanged: 0 });
    const [sum] = await rows<{ s: string }>(
      h.t.ws.central.db,
      sql`SELECT sum(gross_minor)::text AS s FROM conversions WHERE id LIKE 'bulk-%'`,
    );
    // Σ i·100 + (i mod 100) for i < 10 000
    const expected = Array.from({ length: 10_000 }, (_, i) => BigInt(i * 100 + (i % 100))).reduce(
      (a, b) => a + b,
      0n,
    );
    expect(sum!.s).toBe(expected.toString());
  });
}

describe('imports on pglite: idempotency and atomicity', () => idempotencyAndAtomicity('pglite'));
describe.skipIf(!pgAvailable)('imports on postgres: idempotency and atomicity', () =>
  idempotencyAndAtomicity('postgres'),
);

describe('imports on pglite: refused files', () => {
  const h = harness('pglite');
  const conv = (name: string, ...body: string[]) => h.write(name, lines([CONV_HEADER, ...body]));
  const aff = (name: string, ...body: string[]) => h.write(name, lines([AFF_HEADER, ...body]));
  const ok = (
    id: string,
    overrides: Partial<
      Record<
        | 'affiliate'
        | 'occurred'
        | 'product'
        | 'gross'
        | 'discount'
        | 'currency'
        | 'status'
        | 'refunded',
        string
      >
    > = {},
  ) => {
    const o = {
      affiliate: 'a1',
      occurred: '2026-03-01T10:00:00Z',
      product: 'pro',
      gross: '100.00',
      discount: '0',
      currency: 'USD',
      status: 'approved',
      refunded: '',
      ...overrides,
    };
    return [
      id,
      o.affiliate,
      o.occurred,
      o.product,
      o.gross,
      o.discount,
      o.currency,
      o.status,
      o.refunded,
    ].join(',');
  };
  /** One bad row after a good one: exactly one problem, on line 3, in `field`. */
  const oneBadRow = async (name: string, row: string, field: string, message: RegExp) => {
    const e = await h.refused('conversions', conv(name, ok('good-1'), row));
    expect(e.problems).toEqual([
      { file: name, line: 3, field, message: expect.stringMatching(message) as string },
    ]);
    expect(e.message).toMatch(
      new RegExp(`^${name.replace('.', '\\.')}: 1 problem, nothing was imported`),
    );
    return e;
  };

  beforeAll(async () => {
    await h.importFile('affiliates', h.write('affiliates.csv', lines(AFFILIATES)));
  });

  describe('header', () => {
    it('missing column', async () => {
      const header = CONV_HEADER.replace(',refunded_at', '');
      const e = await h.refused(
        'conversions',
        h.write('h-missing.csv', `${header}\nc1,a1,2026-03-01T10:00:00Z,pro,1.00,0,USD,approved\n`),
      );
      expect(e.problems).toEqual([
        {
          file: 'h-missing.csv',
          line: 1,
          field: 'refunded_at',
          message: 'missing column "refunded_at"',
        },
      ]);
    });

    it('unknown column (a typo): reported, and the column it should have been is missing', async () => {
      const e = await h.refused(
        'conversions',
        h.write(
          'h-typo.csv',
          `${CONV_HEADER.replace('gross_amount', 'gross_amout')}\n${ok('c1')}\n`,
        ),
      );
      expect(where(e)).toEqual([
        { line: 1, field: 'gross_amout' },
        { line: 1, field: 'gross_amount' },
      ]);
      expect(e.problems[0]!.message).toMatch(/^unknown column "gross_amout"/);
      expect(e.problems[1]!.message).toBe('missing column "gross_amount"');
    });

    it('duplicate column', async () => {
      const e = await h.refused(
        'conversions',
        h.write('h-dup.csv', `${CONV_HEADER},status\n${ok('c1')},approved\n`),
      );
      expect(e.problems).toEqual([
        { file: 'h-dup.csv', line: 1, field: 'status', message: 'column "status" appears twice' },
      ]);
    });

    it('empty file', async () => {
      const e = await h.refused('conversions', h.write('h-empty.csv', ''));
      expect(e.problems).toEqual([
        { file: 'h-empty.csv', line: 1, message: expect.stringMatching(/empty/) as string },
      ]);
    });

    it('a header and no rows is a valid, empty import', async () => {
      expect(
        await h.importFile('conversions', h.write('h-only.csv', `${CONV_HEADER}\n`)),
      ).toMatchObject({ rows: 0, inserted: 0, updated: 0, unchanged: 0 });
    });
  });

  describe('amounts', () => {
    it('too many decimals for the currency names the currency', async () => {
      const e = await oneBadRow(
        'm-decimals.csv',
        ok('c1', { gross: '12.345' }),
        'gross_amount',
        /3 decimals/,
      );
      expect(e.problems[0]!.message).toContain('USD has 2');
    });
    it('an exponent', () =>
      oneBadRow(
        'm-exp.csv',
        ok('c1', { gross: '1e3' }),
        'gross_amount',
        /"1e3" is not a plain decimal/,
      ));
    it('an empty amount', () =>
      oneBadRow('m-empty.csv', ok('c1', { discount: '' }), 'discount_amount', /amount is empty/));
    it('not a number', () =>
      oneBadRow(
        'm-abc.csv',
        ok('c1', { gross: 'abc' }),
        'gross_amount',
        /"abc" is not a plain decimal/,
      ));
    it('thousands separators', () =>
      oneBadRow(
        'm-group.csv',
        ok('c1', { gross: '"1,000.00"' }),
        'gross_amount',
        /"1,000.00" is not a plain decimal/,
      ));
    it('negative', () =>
      oneBadRow('m-neg.csv', ok('c1', { gross: '-5.00' }), 'gross_amount', /negative/));
    it('discount larger than gross', () =>
      oneBadRow(
        'm-disc.csv',
        ok('c1', { gross: '10.00', discount: '10.01' }),
        'discount_amount',
        /larger than gross/,
      ));
    it('more than a bigint holds', () =>
      oneBadRow(
        'm-range.csv',
        ok('c1', { gross: '92233720368547758.08' }),
        'gross_amount',
        /64-bit/,
      ));
  });

  describe('other fields', () => {
    it('a currency in lower case', () =>
      oneBadRow(
        'f-cur.csv',
        ok('c1', { currency: 'usd' }),
        'currency',
        /"usd" is not an ISO 4217/,
      ));
    it('an unknown status', () =>
      oneBadRow(
        'f-status.csv',
        ok('c1', { status: 'paid' }),
        'status',
        /"paid" is not one of approved\|pending\|refunded\|fraud/,
      ));
    it('occurred_at without a time zone', () =>
      oneBadRow(
        'f-tz.csv',
        ok('c1', { occurred: '2026-03-01T10:00:00' }),
        'occurred_at',
        /"2026-03-01T10:00:00" is not an ISO 8601 date-time with a time zone/,
      ));
    it('an impossible calendar day (not rolled over into March)', () =>
      oneBadRow(
        'f-feb30.csv',
        ok('c1', { occurred: '2026-02-30T10:00:00Z' }),
        'occurred_at',
        /not a valid date/,
      ));
    it('refunded without refunded_at', () =>
      oneBadRow(
        'f-ref1.csv',
        ok('c1', { status: 'refunded' }),
        'refunded_at',
        /required when status is refunded/,
      ));
    it('refunded_at set while approved', () =>
      oneBadRow(
        'f-ref2.csv',
        ok('c1', { refunded: '2026-03-05T00:00:00Z' }),
        'refunded_at',
        /must be empty unless status is refunded \(status is approved\)/,
      ));

    it('an unknown affiliate is reported once, on the first line referring to it', async () => {
      const e = await h.refused(
        'conversions',
        conv(
          'f-ghost.csv',
          ok('c1'),
          ok('c2', { affiliate: 'ghost' }),
          ok('c3'),
          ok('c4', { affiliate: 'ghost' }),
        ),
      );
      expect(e.problems).toEqual([
        {
          file: 'f-ghost.csv',
          line: 3,
          field: 'affiliate_id',
          message: expect.stringContaining('"ghost" does not exist') as string,
        },
      ]);
    });

    it('a duplicate id: the second occurrence is reported, naming the first line', async () => {
      const e = await h.refused(
        'conversions',
        conv('f-dupid.csv', ok('dup'), ok('c2'), ok('c3'), ok('dup', { gross: '1.00' })),
      );
      expect(e.problems).toEqual([
        {
          file: 'f-dupid.csv',
          line: 5,
          field: 'id',
          message: 'id "dup" already appears on line 2',
        },
      ]);
    });
  });

  describe('file shape', () => {
    it('rows with too few or too many fields are refused, never accepted with a field dropped', async () => {
      // Both rows would otherwise pass every field check: the missing field is the (empty)
      // refunded_at, the extra one is past the last column.
      const e = await h.refused(
        'conversions',
        conv('s-count.csv', ok('c1'), ok('c2').replace(/,$/, ''), `${ok('c3')},extra`, ok('c4')),
      );
      expect(e.problems).toEqual([
        { file: 's-count.csv', line: 3, message: 'has 8 fields but the header has 9' },
        { file: 's-count.csv', line: 4, message: 'has 10 fields but the header has 9' },
      ]);
    });

    for (const [eol, label] of [
      ['\n', 'LF'],
      ['\r\n', 'CRLF'],
    ] as const) {
      it(`a quoted multi-line field does not shift later line numbers (${label})`, async () => {
        // c1's product spans lines 2–4; then c2 on 5, a blank line 6, the bad c3 on 7, c4 on 8.
        const record = `c1,a1,2026-03-01T10:00:00Z,"line one${eol}line two${eol}line three",100.00,0,USD,approved,`;
        const file =
          [CONV_HEADER, record, ok('c2'), '', ok('c3', { gross: '1.234' }), ok('c4')].join(eol) +
          eol;
        expect(file.split(eol)[6]).toBe(ok('c3', { gross: '1.234' })); // line 7, counted by hand
        const name = `s-multiline-${label}.csv`;
        const e = await h.refused('conversions', h.write(name, file));
        expect(e.problems).toEqual([
          {
            file: name,
            line: 7,
            field: 'gross_amount',
            message: expect.stringContaining('3 decimals') as string,
          },
        ]);
      });
    }

    it('every problem in the file is reported, in file order, not just the first', async () => {
      const e = await h.refused(
        'conversions',
        conv(
          's-many.csv',
          ok('c1'), // 2 fine
          ok('c2', { gross: 'abc', status: 'paid' }), // 3: two problems on one row
          ok('c3'), // 4 fine
          ok('bad id!', { currency: 'usd', occurred: 'yesterday' }), // 5: three
          ok('c5', { gross: '10.00', discount: '20.00', status: 'done' }), // 6: discount check not hidden by the bad status
          ok('c6', { affiliate: 'nobody' }), // 7: reference, checked after the row checks
        ),
      );
      expect(where(e)).toEqual([
        { line: 3, field: 'status' },
        { line: 3, field: 'gross_amount' },
        { line: 5, field: 'id' },
        { line: 5, field: 'occurred_at' },
        { line: 5, field: 'currency' },
        { line: 6, field: 'status' },
        { line: 6, field: 'discount_amount' },
        { line: 7, field: 'affiliate_id' },
      ]);
      expect(e.message).toBe('s-many.csv: 8 problems, nothing was imported');
      expect(e.problems.every((p: Problem) => p.file === 's-many.csv')).toBe(true);
    });
  });

  describe('affiliates', () => {
    it('a half-filled destination reports each empty destination field', async () => {
      const e = await h.refused(
        'affiliates',
        aff(
          'a-dest.csv',
          'n1,Nina,nina@x.example,ID,IDR,xendit,,1234,,active,',
          'n2,Nora,nora@x.example,ID,IDR,,,,NORA,active,pending',
        ),
      );
      expect(where(e)).toEqual([
        { line: 2, field: 'channel_code' },
        { line: 2, field: 'account_holder_name' },
        { line: 3, field: 'provider' },
        { line: 3, field: 'channel_code' },
        { line: 3, field: 'account_number' },
      ]);
      expect(e.problems[0]!.message).toMatch(/^is empty but other destination columns are filled/);
    });

    it('bad email, country, currency, status and kyc_status are each reported', async () => {
      const e = await h.refused(
        'affiliates',
        aff('a-fields.csv', 'n1,Nina,not-an-email,id,IDRX,,,,,asleep,maybe'),
      );
      expect(where(e)).toEqual([
        { line: 2, field: 'email' },
        { line: 2, field: 'country' },
        { line: 2, field: 'currency' },
        { line: 2, field: 'status' },
        { line: 2, field: 'kyc_status' },
      ]);
    });
  });

  it('a missing file is a VALIDATION error naming the path', async () => {
    const missing = path.join(h.dir, 'does-not-exist.csv');
    const e = await h.refused('conversions', missing, 'VALIDATION');
    expect(e.message).toContain(missing);
    expect(e.kind).toBe('user');
  });
});
