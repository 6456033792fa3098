/** How the CLI prints: results on stdout (tables or --json), progress and errors on stderr. */
import { formatProblem, TreasuryError } from '../core/shared/errors.js';
import type { Progress } from '../core/platform/kernel/router.js';

/**
 * How a command module wraps its actions: the host (`H`) is opened, the action run, errors printed
 * (main.ts).
 */
export type Run<H> = (
  fn: (cli: H, ...args: unknown[]) => Promise<void>,
) => (...args: unknown[]) => Promise<void>;

/** One line on stdout. */
export const out = (text: string): void => void process.stdout.write(text + '\n');

export function printJson(value: unknown): void {
  process.stdout.write(
    JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n',
  );
}

/** A result: as JSON with --json, otherwise as `human` prints it. */
export function print(cli: { readonly json: boolean }, value: unknown, human: () => void): void {
  if (cli.json) printJson(value);
  else human();
}

/**
 * An option parser for a whole number (`--limit 50`); anything else is the user's error, naming the
 * flag.
 */
export const wholeNumber =
  (name: string) =>
  (v: string): number => {
    if (!/^\d+$/.test(v))
      throw new TreasuryError('VALIDATION', `--${name} must be a whole number, got "${v}"`, [
        { field: name, message: 'not a whole number' },
      ]);
    return Number.parseInt(v, 10);
  };

/** "a, b,,c" → ['a', 'b', 'c']; nothing given → undefined (the call's default). */
export const commaList = (v: string | undefined) =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;

/** Rows of any shape (records, interfaces without an index signature) printed by column name. */
export function printTable(rows: readonly object[], columns: readonly string[]): void {
  const field = (r: object, c: string): unknown => (r as Record<string, unknown>)[c];
  const cell = (v: unknown) =>
    v === null || v === undefined ? '' : Array.isArray(v) ? v.join(',') : String(v);
  const widths = columns.map((c) =>
    Math.max(c.length, ...rows.map((r) => cell(field(r, c)).length)),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  process.stdout.write(line([...columns]) + '\n');
  for (const r of rows) process.stdout.write(line(columns.map((c) => cell(field(r, c)))) + '\n');
}

export function printError(error: TreasuryError, json: boolean): void {
  if (json) {
    process.stderr.write(JSON.stringify({ error: error.toJSON() }, null, 2) + '\n');
    return;
  }
  process.stderr.write(`error: ${error.message}\n`);
  for (const p of error.problems) process.stderr.write(`  - ${formatProblem(p)}\n`);
}

/** Progress on stderr: a rewritten line on a terminal, a line at most every 2 s otherwise. */
export function progressReporter(): (p: Progress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    const text = `${p.phase}: ${p.done.toLocaleString('en-US')}${p.total !== undefined ? ` / ${p.total.toLocaleString('en-US')}` : ''}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${text}\x1b[K`);
    else if (now - last > 2000 || (p.total !== undefined && p.done === p.total))
      process.stderr.write(text + '\n');
    last = now;
  };
}

export function endProgress(): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
}
