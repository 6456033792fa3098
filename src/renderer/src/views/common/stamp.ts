/** A timestamp for a grid cell: "2026-11-21 12:13:20", UTC (the column header says so). */
export function stamp(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace('T', ' ').slice(0, 19);
}
