/**
 * The payout flow through the `treasury` CLI, as an operator types it: a real PGlite data dir,
 * three operators (maker and two checkers), the fake Xendit over HTTP on loopback, and the
 * provider secret from the credential store (here the environment store; the keychain has its own
 * tests). Exit codes and --json output are what is checked.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli, type CliResult } from '../../support/cli.js';
import { startFakeXendit, type FakeXendit } from '../../fakes/xendit.js';
import { tempDir } from '../../support/central.js';

const PASSWORD = 'correct-horse-battery-staple';

type Result = CliResult;

describe('treasury CLI: batch → approve → execute → export → reconcile', () => {
  const tmp = tempDir('treasury-cli-pay-');
  let fake: FakeXendit;
  let env: NodeJS.ProcessEnv;
  let number = '';

  const treasury = (args: string[], as = 'admin', extra: NodeJS.ProcessEnv = {}): Promise<Result> =>
    runCli(['--data-dir', path.join(tmp.dir, 'data'), ...args], {
      cwd: tmp.dir,
      env: { ...env, TREASURY_USERNAME: as, TREASURY_PASSWORD: PASSWORD, ...extra },
    });
  const ok = async (args: string[], as = 'admin', extra: NodeJS.ProcessEnv = {}) => {
    const r = await treasury(args, as, extra);
    if (r.code !== 0) throw new Error(`treasury ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r;
  };

  beforeAll(async () => {
    fake = await startFakeXendit({ seed: 2 });
    env = cliEnv({
      TREASURY_CACHE_KEY: randomBytes(32).toString('hex'),
      TREASURY_INIT_PASSWORD: PASSWORD,
      TREASURY_XENDIT_URL: fake.url,
      TREASURY_SECRET_PROVIDER_XENDIT_SECRET_KEY: fake.secretKey,
    });
    await ok(['init']);
    await ok([
      'demo',
      '--affiliates',
      '80',
      '--conversions',
      '4000',
      '--seed',
      '3',
      '--until',
      '2026-11-01',
    ]);
    await ok(['calc']);
    for (const u of ['checker1', 'checker2'])
      await ok(['operators', 'add', '--username', u, '--role', 'manager'], 'admin', {
        TREASURY_NEW_PASSWORD: PASSWORD,
      });
  }, 240_000);
  afterAll(async () => {
    await fake?.close();
    tmp.remove();
  });

  it('previews and creates a batch', async () => {
    const preview = JSON.parse(
      (await ok(['--json', 'batch', 'preview', '--provider', 'xendit', '--currency', 'PHP']))
        .stdout,
    ) as { eligibleCount: number };
    expect(preview.eligibleCount).toBeGreaterThan(0);
    const created = JSON.parse(
      (await ok(['--json', 'batch', 'create', '--provider', 'xendit', '--currency', 'PHP'])).stdout,
    ) as { batches: { number: string; payouts: number }[] };
    expect(created.batches[0]!.payouts).toBe(preview.eligibleCount);
    number = created.batches[0]!.number;
    expect(number).toMatch(/^B-\d{8}-\d{3}$/);
  }, 60_000);

  it('maker-checker at the CLI: the maker is refused (exit 1, says why), checkers approve', async () => {
    await ok(['batch', 'submit', number]);
    const refused = await treasury(['batch', 'approve', number]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/cannot approve it/);
    const shown = JSON.parse(
      (await ok(['--json', 'batch', 'show', number], 'checker1')).stdout,
    ) as { contentHash: string; requiredApprovals: number };
    await ok(['batch', 'approve', number, '--hash', shown.contentHash], 'checker1');
    if (shown.requiredApprovals === 2)
      await ok(['batch', 'approve', number, '--hash', shown.contentHash], 'checker2');
    expect(
      (JSON.parse((await ok(['--json', 'batch', 'show', number])).stdout) as { status: string })
        .status,
    ).toBe('APPROVED');
  }, 60_000);

  it('executes against the provider and exports the payout items', async () => {
    const r = JSON.parse((await ok(['--json', 'batch', 'execute', number])).stdout) as {
      status: string;
      payouts: { total: number; succeeded: number };
    };
    expect(r.status).toBe('COMPLETED');
    expect(r.payouts.succeeded).toBe(r.payouts.total);
    await ok([
      'export',
      'payout-items',
      '--format',
      'csv',
      '--out',
      'items.csv',
      '--batch',
      number,
    ]);
    const file = path.join(tmp.dir, 'items.csv');
    expect(existsSync(file)).toBe(true);
    const parsed = Papa.parse<Record<string, string>>(
      readFileSync(file, 'utf8').replace(/^\uFEFF/, ''),
      { header: true, skipEmptyLines: true },
    );
    for (const column of [
      'batch_id',
      'batch_number',
      'payout_id',
      'affiliate_id',
      'commission_id',
      'conversion_id',
      'amount',
      'currency',
      'payout_status',
      'provider',
      'provider_reference',
    ]) {
      expect(parsed.meta.fields).toContain(column);
    }
    expect(parsed.data.length).toBeGreaterThan(0);
    for (const row of parsed.data) expect(row.batch_number).toBe(number);
  }, 120_000);

  it('reconciles the period with the provider: everything matched', async () => {
    const r = JSON.parse(
      (
        await ok([
          '--json',
          'reconcile',
          '--from',
          '2026-01-01',
          '--to',
          '2027-01-01',
          '--provider',
          'xendit',
        ])
      ).stdout,
    ) as { status: string; counts: Record<string, number> };
    expect(r.status).toBe('complete');
    expect(r.counts.matched).toBeGreaterThan(0);
    expect(r.counts.amount_mismatch ?? 0).toBe(0);
    expect(r.counts.missing_at_provider ?? 0).toBe(0);
    // Its results page by page, saying how many there are (a run of 126 used to print 100 and
    // stop).
    const runs = JSON.parse((await ok(['--json', 'reconcile', 'list'])).stdout) as { id: string }[];
    const { total, results } = JSON.parse(
      (await ok(['--json', 'reconcile', 'results', runs[0]!.id, '--limit', '1'])).stdout,
    ) as { total: number; results: unknown[] };
    expect(results).toHaveLength(1);
    expect(total).toBeGreaterThan(1);
    const page = (await ok(['reconcile', 'results', runs[0]!.id, '--limit', '1'])).stdout;
    expect(page).toContain(`results 1–1 of ${total} (the next: --offset 1)\n`);
    const last = (await ok(['reconcile', 'results', runs[0]!.id, '--offset', String(total - 1)]))
      .stdout;
    expect(last).toContain(`results ${total}–${total} of ${total}\n`);
  }, 60_000);

  it('report and export at the CLI: the journal balances and ties; tables for people, JSON for programs', async () => {
    const tb = JSON.parse((await ok(['--json', 'report', 'journal'])).stdout) as {
      unbalancedEntries: number;
      ties: { check: string; ties: boolean }[];
    };
    expect(tb.unbalancedEntries).toBe(0);
    expect(tb.ties.map((t) => t.check)).toContain('cash_out');
    for (const t of tb.ties) expect(t.ties).toBe(true);
    const table = (await ok(['report', 'journal', '--currency', 'PHP'])).stdout;
    expect(table).toMatch(/^accountCode\s+accountName\s+currency\s+debit\s+credit\s+balance/m);
    expect(table).toMatch(/^1101\s+Cash at provider: xendit\s+PHP\s+\s*-?[\d.]+/m);
    expect(table).toMatch(/unbalanced entries: 0/);
    // Each report prints its table (amounts in major units) for people.
    const heads: Record<string, RegExp> = {
      'time-series':
        /^period\s+currency\s+accrued\s+sent\s+succeeded\s+failed\s+reversed\s+clawbacks$/m,
      affiliates:
        /^affiliateId\s+name\s+currency\s+conversions\s+netRevenue\s+commissions\s+paid\s+pending\s+payable\s+clawedBack$/m,
      providers: /^xendit\s+PHP\s+\d+\s+\d+/m,
      monitoring: /^Stuck payouts \(not terminal for over 60 min\): 0$/m,
    };
    for (const [name, head] of Object.entries(heads)) {
      const r = await treasury(['report', name]);
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      expect(r.stdout, name).toMatch(head);
    }
    expect((await ok(['report', 'affiliates', '--limit', '3'])).stdout).toMatch(
      /^3 of \d+ affiliate-currency rows/m,
    );
    expect(
      (
        await ok([
          'report',
          'time-series',
          '--granularity',
          'day',
          '--currency',
          'PHP',
          '--provider',
          'xendit',
        ])
      ).stdout,
    ).toMatch(/^period\s+currency\s+accrued\s+sent/m);

    const r = JSON.parse(
      (
        await ok([
          '--json',
          'export',
          'journal',
          '--format',
          'csv',
          '--out',
          'journal.csv',
          '--bom',
        ])
      ).stdout,
    ) as { rowCount: number; fileSha256: string };
    const bytes = readFileSync(path.join(tmp.dir, 'journal.csv'));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = Papa.parse<Record<string, string>>(bytes.toString('utf8').slice(1), {
      header: true,
      skipEmptyLines: true,
    }).data;
    expect(lines).toHaveLength(r.rowCount);
    const human = (
      await ok([
        'export',
        'payouts',
        '--format',
        'json',
        '--out',
        'payouts.json',
        '--status',
        'SUCCEEDED,REVERSED',
      ])
    ).stdout;
    expect(human).toMatch(/^Wrote \d+ rows to .*payouts\.json \(sha256 [0-9a-f]{64}\)\./);
    const doc = JSON.parse(readFileSync(path.join(tmp.dir, 'payouts.json'), 'utf8')) as {
      metadata: { filters: { status: string[] } };
      rows: { status: string }[];
    };
    expect(doc.metadata.filters.status).toEqual(['SUCCEEDED', 'REVERSED']);
    for (const row of doc.rows) expect(['SUCCEEDED', 'REVERSED']).toContain(row.status);
  }, 120_000);

  it('report and export refuse bad names and bad filters with exit 1 and a message that says what', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['report', 'nosuch'],
        /report "nosuch"\? Choose one of: time-series, affiliates, providers, monitoring, journal/,
      ],
      [
        ['export', 'ledger', '--format', 'csv', '--out', 'x.csv'],
        /export "ledger"\? Choose one of: payouts, commissions, payout-items, audit-log, journal/,
      ],
      [
        ['export', 'journal', '--format', 'xml', '--out', 'x.csv'],
        /format: must be one of csv, json/,
      ],
      [
        ['export', 'audit-log', '--format', 'csv', '--out', 'x.csv', '--provider', 'xendit'],
        /the audit-log report cannot be filtered by provider/,
      ],
      [
        ['report', 'time-series', '--currency', 'XXX'],
        /currency: is not an ISO 4217 currency code/,
      ],
      [
        ['report', 'providers', '--from', '2026-12-01', '--to', '2026-11-01'],
        /to: must be after from/,
      ],
      [['report', 'affiliates', '--limit', 'ten'], /--limit must be a whole number/],
      [
        ['report', 'journal', '--status', 'payout,nonsense'],
        /status: must be one of accrual, adjustment, clawback, payout, reversal/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await treasury(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(existsSync(path.join(tmp.dir, 'x.csv'))).toBe(false);
  }, 120_000);

  it('syncs the local cache and reports its status; the outbox is empty', async () => {
    const r = JSON.parse((await ok(['--json', 'sync'])).stdout) as {
      online: boolean;
      pulled: { mode: string; rows: number };
    };
    expect(r.online).toBe(true);
    expect(r.pulled.mode).toBe('initial');
    expect(r.pulled.rows).toBeGreaterThan(4000);
    const again = JSON.parse((await ok(['--json', 'sync', '--pull-only'])).stdout) as {
      pulled: { mode: string };
    };
    expect(again.pulled.mode).toBe('incremental');
    const status = JSON.parse((await ok(['--json', 'sync', 'status'])).stdout) as {
      online: boolean;
      pending: number;
      rejected: number;
    };
    expect(status).toMatchObject({ connectivity: { online: true }, pending: 0, rejected: 0 });
    expect(JSON.parse((await ok(['--json', 'outbox', 'list'])).stdout)).toEqual([]);
  }, 120_000);

  it('bad input says what was wrong', async () => {
    const r = await treasury(['batch', 'create', '--provider', 'paypal']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/provider/);
    const fx = await treasury(['batch', 'preview', '--fx', 'USD-IDR=1']);
    expect(fx.code).toBe(1);
    expect(fx.stderr).toMatch(/--fx must look like USD\/IDR=16250.5/);
  }, 60_000);
});
