/**
 * The providers form's logic (ProvidersSetting.tsx), apart from React so it can be tested: the
 * inputs' texts from the saved setting, the setting to send from the texts, and the central
 * store's refusals sorted by field.
 */
import type { CallOutput } from '../../../../core/host/bridge/contract';
import { CallFailed, describeError } from '../../api';

export type Providers = CallOutput<'settings.show'>['providers'];
export type Field = Providers['fields'][number]['fields'][number];
/** provider → field → the text in its input. */
export type Texts = Record<string, Record<string, string>>;

export function textsOf(p: Providers): Texts {
  const value = p.value as Record<string, Record<string, unknown> | undefined>;
  return Object.fromEntries(
    p.fields.map((f) => [
      f.provider,
      Object.fromEntries(
        f.fields.map((x) => [x.name, value[f.provider]?.[x.name]?.toString() ?? '']),
      ),
    ]),
  );
}

/**
 * The setting to send: empty inputs left out; a number field's text sent as a number when it reads
 * as one, else as typed, for the store to say what is wrong with it. (Rates and seeds, not money.)
 */
export function valueOf(p: Providers, texts: Texts): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const f of p.fields) {
    const part: Record<string, unknown> = {};
    for (const x of f.fields) {
      const t = (texts[f.provider]?.[x.name] ?? '').trim();
      if (t === '') continue;
      part[x.name] = x.type !== 'string' && /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
    }
    if (Object.keys(part).length > 0) out[f.provider] = part;
  }
  return out;
}

/** The store's problems by "provider.field"; the rest (not about one field) said as a whole. */
export function problemsOf(error: unknown): {
  fields: Record<string, string>;
  other: string | null;
} {
  if (!(error instanceof CallFailed) || error.code !== 'VALIDATION')
    return { fields: {}, other: describeError(error) };
  const fields: Record<string, string> = {};
  for (const p of error.error.problems) {
    const path = (p.path ?? '').replace(/^value\./, '');
    if (path.includes('.')) fields[path] = p.message ?? 'invalid';
  }
  return {
    fields,
    other: Object.keys(fields).length === error.error.problems.length ? null : error.message,
  };
}

export function hint(x: Field): string {
  const range =
    x.minimum !== null && x.maximum !== null
      ? `${x.minimum} to ${x.maximum}`
      : x.minimum !== null
        ? `${x.minimum} or more`
        : '';
  return [x.description, range && `(${range})`].filter(Boolean).join(' ');
}
