/**
 * Commission rule set: the JSON document treasury staff edit (see docs/commission-rules.md), its
 * zod schema, and the parsed form the engine works with (money as bigint minor units).
 *
 * Validation runs in two passes so that one run reports *every* problem:
 *  1. zod checks the shape (types, ranges, enums, unknown keys — objects are strict so typos fail);
 *  2. a currency-aware pass checks what zod cannot know on its own: every per-currency map has
 * exactly
 *     the declared currencies, each amount is a valid decimal *for that currency* ("12.345" is fine
 *     for KWD, not for USD), tier brackets start at zero and strictly increase.
 * The second pass reads the raw input defensively, so it also runs when the first pass failed.
 */
import { z } from 'zod';
import { formatAmount, isCurrency, parseAmount } from '../money/index.js';
import { issueInWords, type RawIssue } from '../issue-words.js';

// ---------------------------------------------------------------------------------------------
// JSON document schema (money as decimal strings in major units)
// ---------------------------------------------------------------------------------------------

/** Per-currency map of decimal strings in major units, e.g. { "USD": "0.50", "IDR": "5000" }. */
const moneyMapJson = z.record(z.string(), z.string());

/** Basis points: 0..10,000 (0 %..100 %). A rate above 100 % of revenue is always a typo here. */
const bps = z.int().min(0).max(10_000);

const productOverrideJson = z.strictObject({
  product: z.string().min(1),
  percentBps: bps.optional(),
  flatPerConversion: moneyMapJson.optional(),
});

const tierMode = z.enum(['whole', 'marginal']);
const tierPeriod = z.enum(['month', 'week']);

const tiersJson = z.discriminatedUnion('basis', [
  z.strictObject({
    basis: z.literal('net_revenue'),
    mode: tierMode,
    period: tierPeriod,
    brackets: z.array(z.strictObject({ from: moneyMapJson, percentBps: bps })).min(1),
  }),
  z.strictObject({
    basis: z.literal('conversion_count'),
    mode: tierMode,
    period: tierPeriod,
    brackets: z.array(z.strictObject({ from: z.int().min(0), percentBps: bps })).min(1),
  }),
]);

export const WEEKDAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const payoutScheduleJson = z.discriminatedUnion('frequency', [
  z.strictObject({ frequency: z.literal('weekly'), weekday: z.enum(WEEKDAYS) }),
  z.strictObject({ frequency: z.literal('monthly'), day: z.int().min(1).max(31) }),
]);

export const ruleSetJsonSchema = z.strictObject({
  /** Free text for humans (JSON has no comments). Ignored by the engine. */
  description: z.string().optional(),
  currencies: z.array(z.string()).min(1),
  /**
   * Capped at ten years: a longer hold is a typo, and keeps occurredAt + hold far inside safe
   * integers.
   */
  holdDays: z.int().min(0).max(3650),
  percentBps: bps,
  flatPerConversion: moneyMapJson.optional(),
  productOverrides: z.array(productOverrideJson).optional(),
  tiers: tiersJson.optional(),
  capPerPeriod: moneyMapJson.optional(),
  minimumPayout: moneyMapJson,
  payoutSchedule: payoutScheduleJson,
});

/** The rule set as written in JSON. */
export type RuleSetDocument = z.input<typeof ruleSetJsonSchema>;

// ---------------------------------------------------------------------------------------------
// Parsed rule set (what the engine uses)
// ---------------------------------------------------------------------------------------------

/** Minor units per currency code; has exactly the rule set's currencies as keys. */
export type MoneyMap = Readonly<Record<string, bigint>>;

export interface ProductOverride {
  readonly product: string;
  readonly percentBps: number; // missing in JSON → 0
  readonly flatPerConversion: MoneyMap | undefined; // missing in JSON → no flat part
}

export type TierMode = z.infer<typeof tierMode>;
export type TierPeriod = z.infer<typeof tierPeriod>;

export interface RevenueBracket {
  readonly from: MoneyMap; // minor units of net revenue where this bracket starts
  readonly percentBps: number;
}
export interface CountBracket {
  readonly from: number; // conversion count where this bracket starts
  readonly percentBps: number;
}
export type Tiers =
  | {
      readonly basis: 'net_revenue';
      readonly mode: TierMode;
      readonly period: TierPeriod;
      readonly brackets: readonly RevenueBracket[];
    }
  | {
      readonly basis: 'conversion_count';
      readonly mode: TierMode;
      readonly period: TierPeriod;
      readonly brackets: readonly CountBracket[];
    };

export type PayoutSchedule = z.infer<typeof payoutScheduleJson>;

export interface RuleSet {
  readonly description?: string;
  readonly currencies: readonly string[];
  readonly holdDays: number;
  readonly percentBps: number;
  readonly flatPerConversion?: MoneyMap;
  readonly productOverrides: readonly ProductOverride[];
  readonly tiers?: Tiers;
  readonly capPerPeriod?: MoneyMap;
  readonly minimumPayout: MoneyMap;
  readonly payoutSchedule: PayoutSchedule;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

export interface RuleSetIssue {
  readonly path: string; // e.g. "tiers.brackets[1].from.IDR"; "(root)" for the document itself
  readonly message: string;
}

export class RuleSetError extends Error {
  constructor(readonly issues: readonly RuleSetIssue[]) {
    super(
      `invalid commission rule set (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n'),
    );
    this.name = 'RuleSetError';
  }
}

type PathPart = string | number;

/** ["tiers","brackets",1,"from","IDR"] → "tiers.brackets[1].from.IDR". */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += (out === '' ? '' : '.') + String(part);
  }
  return out === '' ? '(root)' : out;
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/**
 * Parse and validate a rule set document. Throws RuleSetError listing every problem with its path.
 */
export function parseRuleSet(json: unknown): RuleSet {
  const issues: RuleSetIssue[] = [];
  const shape = ruleSetJsonSchema.safeParse(json, { error: friendlyMessage });
  if (!shape.success) {
    for (const issue of shape.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        // One line per key, with the key in the path, so "percentBP" points straight at the typo.
        for (const key of issue.keys)
          issues.push({
            path: formatPath([...issue.path, key]),
            message: 'unknown key (check the spelling)',
          });
      } else {
        issues.push({ path: formatPath(issue.path), message: issue.message });
      }
    }
  }
  const checked = checkCurrencies(json, issues);
  if (issues.length > 0 || !shape.success) throw new RuleSetError(issues);
  return build(shape.data, checked);
}

/**
 * Staff-readable messages: the commonest two short, the rest in the words every validation uses
 * (issue-words.ts) instead of zod's developer texts.
 */
function friendlyMessage(issue: RawIssue): string | undefined {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  if (issue.code === 'invalid_type' && issue.expected === 'int') return 'must be a whole number';
  return issueInWords(issue);
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The valid currencies of "currencies", each once; an issue for each invalid or repeated one. */
function declaredCurrencies(currencies: unknown, issues: RuleSetIssue[]): string[] {
  const declared: string[] = [];
  if (!Array.isArray(currencies)) return declared;
  currencies.forEach((code, i) => {
    if (typeof code !== 'string') return; // zod reported it
    if (!isCurrency(code))
      issues.push({
        path: `currencies[${i}]`,
        message: `"${code}" is not an ISO 4217 currency code (use capitals, e.g. USD)`,
      });
    else if (declared.includes(code))
      issues.push({ path: `currencies[${i}]`, message: `${code} is listed twice` });
    else declared.push(code);
  });
  return declared;
}

/** Each override's flat amounts, and one override per product. */
function checkOverrides(
  overrides: unknown,
  keys: readonly string[] | null,
  issues: RuleSetIssue[],
): void {
  if (!Array.isArray(overrides)) return;
  const seen = new Map<string, number>();
  overrides.forEach((o, i) => {
    if (!isRecord(o)) return;
    checkMoneyMap(o.flatPerConversion, ['productOverrides', i, 'flatPerConversion'], keys, issues);
    if (typeof o.product === 'string') {
      const first = seen.get(o.product);
      // Two overrides for one product would make the price depend on list order: reject.
      if (first !== undefined)
        issues.push({
          path: `productOverrides[${i}].product`,
          message: `"${o.product}" already has an override at productOverrides[${first}]`,
        });
      else seen.set(o.product, i);
    }
  });
}

/** Tier brackets start at zero and rise strictly: per declared currency, or in conversions. */
function checkTierBrackets(
  tiers: unknown,
  declared: readonly string[],
  keys: readonly string[] | null,
  issues: RuleSetIssue[],
): void {
  if (!isRecord(tiers) || !Array.isArray(tiers.brackets)) return;
  const brackets = tiers.brackets;
  if (tiers.basis === 'net_revenue') {
    const parsed = brackets.map((b, i) =>
      isRecord(b)
        ? checkMoneyMap(b.from, ['tiers', 'brackets', i, 'from'], keys, issues)
        : undefined,
    );
    for (const code of declared) {
      checkIncreasing(
        parsed.map((m) => m?.[code]),
        (i) => `tiers.brackets[${i}].from.${code}`,
        (v) => formatAmount(v, code),
        issues,
      );
    }
  } else if (tiers.basis === 'conversion_count') {
    checkIncreasing(
      brackets.map((b) =>
        isRecord(b) && Number.isSafeInteger(b.from) && (b.from as number) >= 0
          ? BigInt(b.from as number)
          : undefined,
      ),
      (i) => `tiers.brackets[${i}].from`,
      (v) => v.toString(),
      issues,
    );
  }
}

/**
 * Currency-aware checks on the raw input. Returns the declared currencies (valid ones only) so the
 * builder can use them; pushes an issue for every problem found.
 */
function checkCurrencies(json: unknown, issues: RuleSetIssue[]): string[] {
  if (!isRecord(json)) return [];
  const declared = declaredCurrencies(json.currencies, issues);
  // Key checks are only meaningful when "currencies" itself is usable.
  const keysKnown =
    Array.isArray(json.currencies) &&
    declared.length === json.currencies.length &&
    declared.length > 0;
  const keys = keysKnown ? declared : null;

  checkMoneyMap(json.flatPerConversion, ['flatPerConversion'], keys, issues);
  checkMoneyMap(json.capPerPeriod, ['capPerPeriod'], keys, issues);
  checkMoneyMap(json.minimumPayout, ['minimumPayout'], keys, issues);
  checkOverrides(json.productOverrides, keys, issues);
  checkTierBrackets(json.tiers, declared, keys, issues);
  return declared;
}

/**
 * Brackets: first starts at zero, each next one strictly above the previous (skipping unparsable
 * ones).
 */
function checkIncreasing(
  values: readonly (bigint | undefined)[],
  pathOf: (i: number) => string,
  show: (v: bigint) => string,
  issues: RuleSetIssue[],
): void {
  const first = values[0];
  if (first !== undefined && first !== 0n)
    issues.push({
      path: pathOf(0),
      message: `the first bracket must start at 0 (found ${show(first)})`,
    });
  for (let i = 1; i < values.length; i++) {
    const prev = values[i - 1];
    const cur = values[i];
    if (prev !== undefined && cur !== undefined && cur <= prev) {
      issues.push({
        path: pathOf(i),
        message: `must be greater than the previous bracket's ${show(prev)} (brackets must strictly increase)`,
      });
    }
  }
}

/**
 * Check one per-currency map: exactly the declared currencies as keys (when known) and an amount
 * valid for each currency. Returns the parsed minor units of the entries that parsed.
 */
function checkMoneyMap(
  value: unknown,
  path: PathPart[],
  declared: readonly string[] | null,
  issues: RuleSetIssue[],
): Record<string, bigint> | undefined {
  if (!isRecord(value)) return undefined; // absent or wrong type: zod reports it when it matters
  const at = (code: string) => formatPath([...path, code]);
  const out: Record<string, bigint> = {};
  if (declared) {
    for (const code of declared) {
      if (!Object.hasOwn(value, code))
        issues.push({
          path: at(code),
          message: `missing: every per-currency map must list exactly ${declared.join(', ')}`,
        });
    }
  }
  for (const [code, text] of Object.entries(value)) {
    if (declared && !declared.includes(code)) {
      issues.push({
        path: at(code),
        message: `${code} is not one of the rule set's currencies (${declared.join(', ')})`,
      });
      continue;
    }
    if (typeof text !== 'string' || !isCurrency(code)) continue; // zod / the currencies check reports these
    try {
      out[code] = parseAmount(text, code);
    } catch (e) {
      issues.push({ path: at(code), message: (e as Error).message });
    }
  }
  return out;
}

/** Turn the validated document into the engine's form. Only called when no issue was found. */
function build(doc: z.output<typeof ruleSetJsonSchema>, currencies: readonly string[]): RuleSet {
  const minor = (m: Record<string, string>): MoneyMap => {
    const out: Record<string, bigint> = {};
    for (const code of currencies) out[code] = parseAmount(m[code]!, code);
    return Object.freeze(out);
  };
  const tiers: Tiers | undefined = !doc.tiers
    ? undefined
    : doc.tiers.basis === 'net_revenue'
      ? {
          ...doc.tiers,
          brackets: doc.tiers.brackets.map((b) => ({
            from: minor(b.from),
            percentBps: b.percentBps,
          })),
        }
      : {
          ...doc.tiers,
          brackets: doc.tiers.brackets.map((b) => ({ from: b.from, percentBps: b.percentBps })),
        };
  return {
    ...(doc.description !== undefined ? { description: doc.description } : {}),
    currencies: [...currencies],
    holdDays: doc.holdDays,
    percentBps: doc.percentBps,
    ...(doc.flatPerConversion ? { flatPerConversion: minor(doc.flatPerConversion) } : {}),
    productOverrides: (doc.productOverrides ?? []).map((o) => ({
      product: o.product,
      percentBps: o.percentBps ?? 0,
      flatPerConversion: o.flatPerConversion ? minor(o.flatPerConversion) : undefined,
    })),
    ...(tiers ? { tiers } : {}),
    ...(doc.capPerPeriod ? { capPerPeriod: minor(doc.capPerPeriod) } : {}),
    minimumPayout: minor(doc.minimumPayout),
    payoutSchedule: doc.payoutSchedule,
  };
}
