/**
 * The cache's mirror tables hold what the central store's COPY wrote: Postgres text timestamps
 * (UTC, "2026-11-21 06:00:00+00") and JSON as text. Offline answers leave in the central answers'
 * shapes: ISO 8601 and parsed JSON.
 */

/** Postgres text timestamps ("2026-11-21 06:00:00+00", "…+05:30") or ISO → epoch ms. */
export function timestampMs(text: string): number {
  const iso = text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`not a timestamp: ${text}`);
  return ms;
}

/** A mirrored timestamp as ISO 8601 (null stays null). */
export function isoText(text: string): string;
export function isoText(text: string | null | undefined): string | null;
export function isoText(text: string | null | undefined): string | null {
  return text === null || text === undefined ? null : new Date(timestampMs(text)).toISOString();
}

/** A mirrored JSON column, parsed (or `fallback` when absent). */
export const jsonText = <T>(text: unknown, fallback: T): T =>
  typeof text === 'string' ? (JSON.parse(text) as T) : fallback;

/**
 * SQL over a mirrored timestamp column: epoch seconds, for filters and order. Mirror timestamps are
 * COPY text (`2026-11-21 09:00:00.123+00`) or, for rows written offline, ISO 8601; this reads both.
 */
export const mirrorInstant = (column: string) =>
  `unixepoch(CASE WHEN ${column} LIKE '%+00' THEN ${column} || ':00' ELSE ${column} END, 'subsec')`;
