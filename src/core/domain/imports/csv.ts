/**
 * Streaming CSV reading with exact line numbers and a strict header check. Used by every import.
 *
 * Lines: papaparse's stream mode gives no positions, so we count them ourselves: a record starts on
 * the line after the previous record ends, and a quoted field with line breaks spans several lines.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import Papa from 'papaparse';
import type { Problem } from '../../shared/errors.js';

export interface CsvColumns {
  required: readonly string[];
  optional?: readonly string[];
}

export interface CsvRecord {
  line: number;
  values: Record<string, string>;
}

export class CsvHeaderError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map((p) => p.message).join('; '));
    this.name = 'CsvHeaderError';
  }
}

const newlines = (s: string): number => {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
};

/**
 * Yields every non-blank record with its line number, after checking the header: every required
 * column present, no unknown or duplicate columns. Also computes the file's SHA-256 as it reads.
 */
export async function* readCsv(
  file: string,
  columns: CsvColumns,
  digest?: { sha256?: string },
): AsyncGenerator<CsvRecord> {
  const input = createReadStream(file);
  const hash = createHash('sha256');
  input.on('data', (chunk) => hash.update(chunk));
  const parser = Papa.parse(Papa.NODE_STREAM_INPUT, { header: false, skipEmptyLines: false });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);

  let header: string[] | null = null;
  let line = 1;
  for await (const fields of parser as AsyncIterable<string[]>) {
    const start = line;
    line += 1 + fields.reduce((n, f) => n + newlines(f), 0);
    if (header === null) {
      header = fields.map((f, i) => (i === 0 ? f.replace(/^\uFEFF/, '') : f).trim());
      checkHeader(file, header, columns);
      continue;
    }
    if (fields.length === 1 && fields[0]!.trim() === '') continue; // blank line
    const values: Record<string, string> = {};
    header.forEach((name, i) => (values[name] = fields[i] ?? ''));
    if (fields.length !== header.length) {
      values.__columnCount = String(fields.length);
    }
    yield { line: start, values };
  }
  if (header === null)
    throw new CsvHeaderError([
      { file, line: 1, message: 'the file is empty: expected a header line' },
    ]);
  if (digest) digest.sha256 = hash.digest('hex');
}

function checkHeader(file: string, header: string[], columns: CsvColumns): void {
  const problems: Problem[] = [];
  const allowed = new Set([...columns.required, ...(columns.optional ?? [])]);
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name))
      problems.push({ file, line: 1, field: name, message: `column "${name}" appears twice` });
    seen.add(name);
    if (!allowed.has(name))
      problems.push({
        file,
        line: 1,
        field: name,
        message: `unknown column "${name}" (expected ${[...allowed].join(',')})`,
      });
  }
  for (const name of columns.required) {
    if (!seen.has(name))
      problems.push({ file, line: 1, field: name, message: `missing column "${name}"` });
  }
  if (problems.length) throw new CsvHeaderError(problems);
}

/** Checks a record's column count, returning a problem when it does not match the header. */
export function columnCountProblem(
  file: string,
  record: CsvRecord,
  expected: number,
): Problem | null {
  const count = record.values.__columnCount;
  return count === undefined
    ? null
    : { file, line: record.line, message: `has ${count} fields but the header has ${expected}` };
}

/** Collects problems, keeping the first `limit` in full and counting the rest. */
export class ProblemList {
  readonly items: Problem[] = [];
  total = 0;
  constructor(private readonly limit = 200) {}
  add(p: Problem): void {
    this.total++;
    if (this.items.length < this.limit) this.items.push(p);
  }
  get empty(): boolean {
    return this.total === 0;
  }
}
