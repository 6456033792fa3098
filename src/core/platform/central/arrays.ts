/**
 * Postgres array literals for bulk statements (`unnest($1::text[], $2::bigint[], …)`): one text
 * parameter per column, which both drivers pass through unchanged. Strings are always quoted and
 * escaped; null is NULL; bigint and integers are written in full (never through a float).
 */
export type ArrayElement = string | number | bigint | boolean | null;

const NEEDS_ESCAPE = /[\\"]/;

function element(v: ArrayElement): string {
  if (v === null) return 'NULL';
  if (typeof v === 'string')
    return NEEDS_ESCAPE.test(v) ? `"${v.replace(/[\\"]/g, '\\$&')}"` : `"${v}"`;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number' && !Number.isSafeInteger(v))
    throw new RangeError(`array element ${v} is not a safe integer`);
  return v.toString();
}

export function pgArray(values: readonly ArrayElement[]): string {
  return `{${values.map(element).join(',')}}`;
}
