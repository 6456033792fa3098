/** "part 2 of 8" for a payout split above its channel's maximum; empty when it was not split. */
export const partOf = (p: { part: number; parts: number } | undefined) =>
  p && p.parts > 1 ? `part ${p.part} of ${p.parts}` : '';
