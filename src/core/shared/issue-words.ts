/**
 * Validation problems in sentences an operator understands. zod's own texts are written for
 * developers ("holdDays: Invalid input: expected number, received string"); every door that
 * validates a payload (admission.ts) and the rule-set parser pass `issueInWords` as zod's error
 * map, and screens name the field with `fieldInWords` ("Hold days must be a whole number — it was
 * text"). The path itself stays in the problem for tools and tests.
 */

/** The parts of a zod issue (v4, as given to an error map) that the words depend on. */
export interface RawIssue {
  readonly code?: string;
  readonly input?: unknown;
  readonly expected?: string;
  readonly origin?: string;
  readonly minimum?: unknown;
  readonly maximum?: unknown;
  readonly inclusive?: boolean;
  readonly values?: readonly unknown[];
  readonly format?: string;
  readonly keys?: readonly string[];
  readonly divisor?: unknown;
}

const KIND: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'yes or no (true or false)',
  object: 'a group of fields',
  array: 'a list',
  bigint: 'a whole number',
  date: 'a date',
};

/** What a value is, in words: for "it was text". */
function kindOf(value: unknown): string {
  if (value === null) return 'empty (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a whole number' : 'a number';
  return KIND[typeof value] ?? typeof value;
}

const quoted = (values: readonly unknown[]) =>
  values.map((v) => (typeof v === 'string' ? `"${v}"` : String(v))).join(', ');

/**
 * A predicate completing "<field> …" ("must be a whole number — it was text"); undefined for a
 * custom issue, whose message the schema wrote in words already.
 */
export function issueInWords(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'is required';
      const wanted = KIND[issue.expected ?? ''] ?? issue.expected ?? 'something else';
      // z.int() says "number" for a string but "int" for 2.5: either way a whole number is meant.
      return `must be ${wanted} — it was ${kindOf(issue.input)}`;
    }
    case 'too_small': {
      const n = String(issue.minimum);
      if (issue.origin === 'string')
        return n === '1' ? 'must not be empty' : `must be at least ${n} characters long`;
      if (issue.origin === 'array' || issue.origin === 'set')
        return n === '1' ? 'needs at least one entry' : `needs at least ${n} entries`;
      return issue.inclusive === false ? `must be more than ${n}` : `must be ${n} or more`;
    }
    case 'too_big': {
      const n = String(issue.maximum);
      if (issue.origin === 'string') return `must be at most ${n} characters long`;
      if (issue.origin === 'array' || issue.origin === 'set') return `takes at most ${n} entries`;
      return issue.inclusive === false ? `must be less than ${n}` : `must be ${n} or less`;
    }
    case 'invalid_value':
      return issue.values && issue.values.length === 1
        ? `must be ${quoted(issue.values)}`
        : `must be one of ${quoted(issue.values ?? [])}`;
    case 'invalid_format':
      return issue.format === 'regex'
        ? 'is not in the expected form'
        : `is not a valid ${issue.format}`;
    case 'unrecognized_keys': {
      const keys = issue.keys ?? [];
      return `has ${keys.length === 1 ? 'a field' : 'fields'} it does not know: ${keys.join(', ')} (check the spelling)`;
    }
    case 'invalid_union':
      return 'is not in any of the accepted forms';
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return undefined;
  }
}

/** Field names whose words are not just their camelCase split. */
const FIELD_WORDS: Record<string, string> = {
  percentBps: 'rate',
  holdDays: 'hold days',
  minimumPayout: 'minimum payout',
  flatPerConversion: 'flat amount per conversion',
  capPerPeriod: 'cap per period',
  productOverrides: 'product overrides',
  payoutSchedule: 'payout schedule',
  effectiveFrom: 'effective from',
  from: 'starts at',
};

/** camelCase or snake_case → lower-case words. */
const split = (key: string) =>
  key
    .replace(/_/g, ' ')
    .replace(/([a-z\d])([A-Z])/g, '$1 $2')
    .toLowerCase();

/**
 * A problem's path ("tiers.brackets[1].percentBps", "minimumPayout.USD", "holdDays") as the field's
 * name for people: "Tiers, bracket 2, rate", "Minimum payout (USD)", "Hold days".
 */
export function fieldInWords(path: string | readonly PropertyKey[]): string {
  const parts: (string | number)[] =
    typeof path === 'string'
      ? path
          .split(/\.|\[(\d+)\]/)
          .filter((p) => p !== undefined && p !== '')
          .map((p) => (/^\d+$/.test(p) ? Number(p) : p))
      : path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  if (parts.length === 0 || (parts.length === 1 && /^\(.*\)$/.test(String(parts[0]))))
    return 'The document';
  const words: string[] = [];
  for (const part of parts) {
    if (typeof part === 'number') {
      const last = words.pop() ?? 'entry';
      // "brackets" + 1 → "bracket 2": people count from one.
      words.push(`${last.replace(/s$/, '')} ${part + 1}`);
    } else if (/^[A-Z]{3}$/.test(part)) {
      const last = words.pop() ?? '';
      words.push(`${last} (${part})`.trim());
    } else words.push(FIELD_WORDS[part] ?? split(part));
  }
  const text = words.join(', ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** One sentence: "Hold days must be a whole number — it was text". */
export function problemInWords(path: string | readonly PropertyKey[], message: string): string {
  return `${fieldInWords(path)} ${message}`;
}
