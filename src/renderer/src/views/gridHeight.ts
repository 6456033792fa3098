/**
 * The height that shows a short grid's rows exactly (header 36 px, rows 32 px: the console's grid
 * theme).
 */
export function gridHeight(rows: number): number {
  return 38 + Math.max(rows, 1) * 32;
}
