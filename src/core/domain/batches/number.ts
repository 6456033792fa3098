/**
 * Human-readable batch numbers: B-YYYYMMDD-NNN (UTC date of creation, then a per-day sequence),
 * e.g. B-20261121-007. Short enough to read over the phone, sortable, unique with the day's
 * counter.
 */
export function batchNumber(createdAt: Date, sequenceOfDay: number): string {
  if (!Number.isSafeInteger(sequenceOfDay) || sequenceOfDay < 1)
    throw new RangeError(`batch sequence ${sequenceOfDay} must be a positive integer`);
  const day = createdAt.toISOString().slice(0, 10).replace(/-/g, '');
  return `B-${day}-${String(sequenceOfDay).padStart(3, '0')}`;
}

const NUMBER = /^B-(\d{8})-(\d{3,})$/;

export function parseBatchNumber(text: string): { day: string; sequence: number } | null {
  const m = NUMBER.exec(text);
  return m ? { day: m[1]!, sequence: Number.parseInt(m[2]!, 10) } : null;
}
