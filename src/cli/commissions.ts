/**
 * CLI: the data commissions are calculated from and the calculation — `demo`, `import`, `rules
 * show|set`, `calc` — and what can be paid now (`payables`).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { PayableRow } from '../core/domain/calculation/payables.js';
import { TreasuryError } from '../core/shared/errors.js';
import type { CliHost } from './host.js';
import { print, printTable, wholeNumber, type Run } from './output.js';

export function registerDataCommands(program: Command, run: Run<CliHost>): void {
  const demo = program
    .command('demo')
    .description(
      'generate deterministic demo affiliates and conversions (and the example rules if none are set)',
    )
    .requiredOption('--affiliates <n>', 'number of affiliates', wholeNumber('affiliates'))
    .requiredOption('--conversions <n>', 'number of conversions', wholeNumber('conversions'))
    .option('--seed <n>', 'random seed', wholeNumber('seed'), 1)
    .option(
      '--until <date>',
      'conversions fall in the 180 days before this date (default: today, UTC)',
    );
  demo.action(
    run(async (cli) => {
      const o = demo.opts<{
        affiliates: number;
        conversions: number;
        seed: number;
        until?: string;
      }>();
      const result = await cli.call<{ affiliates: number; conversions: number; until: string }>(
        'demo.generate',
        o,
      );
      print(cli, result, () =>
        process.stdout.write(
          `Generated ${result.affiliates} affiliates and ${result.conversions} conversions up to ${result.until}.\n`,
        ),
      );
    }),
  );
  program
    .command('import')
    .description(
      'import a CSV file (whole: every problem is listed and nothing is written unless the whole file is valid)',
    )
    .argument('<kind>', 'affiliates | conversions')
    .argument('<file>', 'CSV file')
    .action(run(importFile));
}

async function importFile(cli: CliHost, kind: unknown, file: unknown): Promise<void> {
  if (kind !== 'affiliates' && kind !== 'conversions') {
    throw new TreasuryError(
      'VALIDATION',
      `import what? "${String(kind)}" is not affiliates or conversions`,
    );
  }
  const result = await cli.call<{
    rows: number;
    inserted: number;
    updated: number;
    unchanged: number;
  }>(`${kind}.import`, {
    file: path.resolve(String(file)),
  });
  print(cli, result, () =>
    process.stdout.write(
      `${result.rows} rows: ${result.inserted} new, ${result.updated} updated, ${result.unchanged} unchanged.\n`,
    ),
  );
}

export function registerRuleCommands(program: Command, run: Run<CliHost>): void {
  const rules = program
    .command('rules')
    .description('commission rules (versioned, effective-dated)');
  rules
    .command('show')
    .description('show the rule versions')
    .action(
      run(async (cli) => {
        const result = await cli.call<{
          current: number | null;
          versions: { version: number; effectiveFrom: string; body: unknown }[];
        }>('rules.show', {});
        print(cli, result, () => {
          const current = result.versions.find((v) => v.version === result.current);
          printTable(
            result.versions.map((v) => ({
              version: v.version,
              effective_from: v.effectiveFrom,
              current: v.version === result.current ? 'yes' : '',
            })),
            ['version', 'effective_from', 'current'],
          );
          if (current) process.stdout.write(JSON.stringify(current.body, null, 2) + '\n');
        });
      }),
    );
  const set = rules
    .command('set')
    .description('add a rule version from a JSON file (see examples/rules.json)')
    .argument('<file>', 'rules JSON')
    .option(
      '--effective-from <date>',
      'when it takes effect (default: now; the first version: all history)',
    );
  set.action(
    run((cli, file) => setRules(cli, String(file), set.opts<{ effectiveFrom?: string }>())),
  );
}

async function setRules(
  cli: CliHost,
  file: string,
  { effectiveFrom }: { effectiveFrom?: string },
): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TreasuryError('RULES_INVALID', `${file}: ${(error as Error).message}`, [
      { file, message: (error as Error).message },
    ]);
  }
  const result = await cli.call<{ version: number; effectiveFrom: string }>('rules.set', {
    body,
    effectiveFrom,
  });
  print(cli, result, () =>
    process.stdout.write(`Rule version ${result.version} takes effect ${result.effectiveFrom}.\n`),
  );
}

export function registerCalculationCommands(program: Command, run: Run<CliHost>): void {
  const calc = program
    .command('calc')
    .description(
      'calculate commissions from conversions (deterministic; paid or batched commissions get adjustments, never rewrites)',
    )
    .option('--as-of <date>', 'instant the hold periods are measured against (default: now)');
  calc.action(run((cli) => calculate(cli, calc.opts<{ asOf?: string }>())));
  const payables = program
    .command('payables')
    .description('what each affiliate can be paid now, per currency, with eligibility')
    .option('--currency <code>', 'only this currency');
  payables.action(
    run(async (cli) => {
      const { currency } = payables.opts<{ currency?: string }>();
      const list = await cli.call<PayableRow[]>('payables.list', { currency });
      print(cli, list, () =>
        printTable(
          list.map((r) => ({ ...r, eligible: r.eligible ? 'yes' : 'no' })),
          [
            'affiliateId',
            'currency',
            'payable',
            'pending',
            'adjustments',
            'commissionCount',
            'eligible',
            'reasons',
          ],
        ),
      );
    }),
  );
}

async function calculate(cli: CliHost, { asOf }: { asOf?: string }): Promise<void> {
  const s = await cli.call<{
    conversions: number;
    inserted: number;
    updated: number;
    unchanged: number;
    lockedUnchanged: number;
    adjustments: { created: number };
    errors: { total: number; first: { conversionId: string; message: string }[] };
  }>('commissions.calculate', { asOf });
  print(cli, s, () => {
    process.stdout.write(
      `${s.conversions} conversions: ${s.inserted} commissions new, ${s.updated} updated, ${s.unchanged + s.lockedUnchanged} unchanged; ` +
        `${s.adjustments.created} adjustments; ${s.errors.total} conversions without a commission.\n`,
    );
    for (const e of s.errors.first.slice(0, 10))
      process.stdout.write(`  - ${e.conversionId}: ${e.message}\n`);
  });
}
