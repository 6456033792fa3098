/**
 * The `treasury` CLI as a user runs it: `node bin/treasury.mjs …` in a child process, over a real
 * PGlite data dir in a temp dir, with the environment credential store (no keychain needed).
 * Checks output formats (--json on stdout, errors on stderr) and exit codes: 0 ok, 1 the user's
 * error.
 *
 * Every process starts PGlite (1–3 s), so the number of spawns is kept small and the tests of this
 * file share one data dir, in order.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli, type CliResult } from '../../support/cli.js';
import { tempDir } from '../../support/central.js';

const PASSWORD = 'correct-horse-battery-staple';
const SLOW = 180_000;

type Result = CliResult;

/**
 * The environment of a user who chose the environment credential store; nothing inherited from
 * ours.
 */
function baseEnv(cacheKey: string): NodeJS.ProcessEnv {
  return cliEnv({ TREASURY_CACHE_KEY: cacheKey, TREASURY_INIT_PASSWORD: PASSWORD });
}

const treasury = (
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<Result> => runCli(args, options);

interface PayableRow {
  affiliateId: string;
  currency: string;
  payable: string;
  payableMinor: string;
  eligible: boolean;
}

describe('treasury CLI', () => {
  const tmp = tempDir('treasury-cli-');
  const cwd = tmp.dir;
  const cacheKey = randomBytes(32).toString('hex');
  const unsigned = baseEnv(cacheKey);
  const signed = { ...unsigned, TREASURY_USERNAME: 'admin', TREASURY_PASSWORD: PASSWORD };
  const dataA = path.join(cwd, 'a');
  const run = (args: string[], env: NodeJS.ProcessEnv = signed) =>
    treasury(['--data-dir', dataA, ...args], { cwd, env });
  const file = (name: string, text: string) => {
    writeFileSync(path.join(cwd, name), text);
    return name; // relative: the CLI resolves it against its working directory
  };
  let payablesA = '';

  beforeAll(async () => {
    const r = await run(['init', '--json'], unsigned);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      dataDir: dataA,
      bootstrapped: true,
      operator: { username: 'admin', role: 'super_admin' },
    });
  }, SLOW);
  afterAll(() => tmp.remove());

  it(
    'init on an initialised data dir exits 0 and says it already has operators',
    async () => {
      const human = await run(['init'], unsigned);
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/already has operators/);
      const json = await run(['init', '--json'], unsigned);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual({
        dataDir: dataA,
        central: expect.stringContaining('PGlite') as string,
        bootstrapped: false,
      });
    },
    SLOW,
  );

  it(
    'demo, calc and payables: JSON summaries and exact decimal amounts',
    async () => {
      const demo = await run([
        'demo',
        '--affiliates',
        '50',
        '--conversions',
        '2000',
        '--seed',
        '7',
        '--until',
        '2026-11-01',
        '--json',
      ]);
      expect(demo.code).toBe(0);
      expect(JSON.parse(demo.stdout)).toEqual({
        affiliates: 50,
        conversions: 2000,
        until: '2026-11-01T00:00:00.000Z',
        rulesVersion: 1,
      });

      const calc = await run(['calc', '--as-of', '2026-11-21', '--json']);
      expect(calc.code).toBe(0);
      expect(JSON.parse(calc.stdout)).toMatchObject({
        asOf: '2026-11-21T00:00:00.000Z',
        conversions: 2000,
        inserted: 2000,
        updated: 0,
        errors: { total: 0 },
      });

      const all = await run(['payables', '--json']);
      expect(all.code).toBe(0);
      payablesA = all.stdout;
      const list = JSON.parse(all.stdout) as PayableRow[];
      expect(Array.isArray(list)).toBe(true);
      expect(list.length).toBeGreaterThan(0);
      for (const row of list) {
        expect(row.payable).toMatch(/^\d+\.\d{2}$/); // demo currencies (USD, IDR, PHP) all have 2 decimals
        expect(row.payableMinor).toMatch(/^\d+$/);
        expect(BigInt(row.payable.replace('.', ''))).toBe(BigInt(row.payableMinor)); // the two forms agree exactly
      }
      const currencies = new Set(list.map((r) => r.currency));
      expect(currencies.has('USD')).toBe(true);
      expect(currencies.size).toBeGreaterThan(1);

      const usd = await run(['payables', '--currency', 'USD', '--json']);
      expect(usd.code).toBe(0);
      const usdList = JSON.parse(usd.stdout) as PayableRow[];
      expect(usdList.length).toBeGreaterThan(0);
      expect(usdList.every((r) => r.currency === 'USD')).toBe(true);
      expect(usdList).toEqual(list.filter((r) => r.currency === 'USD'));
    },
    SLOW,
  );

  it(
    'demo with the same seed into a fresh data dir gives identical payables',
    async () => {
      expect(payablesA).not.toBe('');
      const dataB = path.join(cwd, 'b');
      const runB = (args: string[], env: NodeJS.ProcessEnv = signed) =>
        treasury(['--data-dir', dataB, ...args], { cwd, env });
      expect((await runB(['init'], unsigned)).code).toBe(0);
      expect(
        (
          await runB([
            'demo',
            '--affiliates',
            '50',
            '--conversions',
            '2000',
            '--seed',
            '7',
            '--until',
            '2026-11-01',
          ])
        ).code,
      ).toBe(0);
      expect((await runB(['calc', '--as-of', '2026-11-21'])).code).toBe(0);
      const b = await runB(['payables', '--json']);
      expect(b.code).toBe(0);
      expect(b.stdout).toBe(payablesA);
    },
    SLOW,
  );

  describe('user errors exit 1 with the reason on stderr', () => {
    it('an unknown option', async () => {
      const r = await run(['payables', '--bogus']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/unknown option '--bogus'/);
      expect(r.stdout).toBe('');
    });

    it(
      'importing a file that does not exist names the file',
      async () => {
        const r = await run(['import', 'conversions', 'missing.csv']);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(`file not found: ${path.join(cwd, 'missing.csv')}`);
        expect(r.stdout).toBe('');
      },
      SLOW,
    );

    it(
      'importing a file with bad rows lists every problem with its line and field',
      async () => {
        const name = file(
          'bad.csv',
          [
            'id,affiliate_id,occurred_at,product,gross_amount,discount_amount,currency,status,refunded_at',
            'cli-1,aff-000001,2026-03-01T10:00:00Z,pro,10.00,0,USD,approved,',
            'cli-2,aff-000001,2026-03-01T10:00:00Z,pro,12.345,0,USD,approved,',
            'cli-3,aff-000001,2026-03-01T10:00:00+07:00,pro,5,0,USD,refunded,',
          ].join('\n') + '\n',
        );
        const r = await run(['import', 'conversions', name]);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain('bad.csv: 2 problems, nothing was imported');
        expect(r.stderr).toMatch(
          /bad\.csv, line 3, gross_amount: "12\.345" has 3 decimals but USD has 2/,
        );
        expect(r.stderr).toMatch(
          /bad\.csv, line 4, refunded_at: is required when status is refunded/,
        );
        expect(r.stdout).toBe('');
      },
      SLOW,
    );

    it(
      'an unknown currency; with --json the error is a JSON object on stderr',
      async () => {
        const r = await run(['payables', '--currency', 'XYZ', '--json']);
        expect(r.code).toBe(1);
        expect(r.stdout).toBe('');
        const { error } = JSON.parse(r.stderr) as {
          error: { code: string; kind: string; message: string; problems: { path?: string }[] };
        };
        expect(error).toMatchObject({ code: 'VALIDATION', kind: 'user' });
        expect(error.problems).toEqual([
          { path: 'currency', message: expect.stringContaining('ISO 4217') as string },
        ]);
      },
      SLOW,
    );

    it(
      'a data command without signing in',
      async () => {
        const r = await run(['payables'], unsigned);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/set TREASURY_USERNAME and TREASURY_PASSWORD to sign in/);
        expect(r.stdout).toBe('');
      },
      SLOW,
    );

    it(
      'a wrong password',
      async () => {
        const r = await run(['payables', '--json'], {
          ...signed,
          TREASURY_PASSWORD: 'not-the-password-at-all',
        });
        expect(r.code).toBe(1);
        expect(r.stdout).toBe('');
        expect(JSON.parse(r.stderr)).toMatchObject({
          error: {
            code: 'UNAUTHENTICATED',
            message: expect.stringMatching(/sign-in failed/) as string,
          },
        });
      },
      SLOW,
    );
  });

  describe('rules', () => {
    it(
      'a bad rules file exits 1 and lists the JSON path of each problem',
      async () => {
        const name = file(
          'bad-rules.json',
          JSON.stringify({
            currencies: ['USD'],
            holdDays: 10,
            percentBps: 1000,
            productOverrides: [{ product: 'x', percentBps: -5 }],
            minimumPayout: { USD: '50.001' },
            payoutSchedule: { frequency: 'monthly', day: 15 },
          }),
        );
        const r = await run(['rules', 'set', name]);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^ {2}- productOverrides\[0\]\.percentBps: /m);
        expect(r.stderr).toMatch(
          /^ {2}- minimumPayout\.USD: "50\.001" has 3 decimals but USD has 2$/m,
        );
        expect(r.stdout).toBe('');
      },
      SLOW,
    );

    it(
      'rules show after demo: version 1 only (the refused file added nothing)',
      async () => {
        const r = await run(['rules', 'show', '--json']);
        expect(r.code).toBe(0);
        const shown = JSON.parse(r.stdout) as {
          current: number;
          versions: { version: number; body: { currencies: string[] } }[];
        };
        expect(shown.current).toBe(1);
        expect(shown.versions.map((v) => v.version)).toEqual([1]);
        expect(shown.versions[0]!.body.currencies).toEqual(['USD', 'IDR', 'PHP']); // examples/rules.json
      },
      SLOW,
    );
  });
});
