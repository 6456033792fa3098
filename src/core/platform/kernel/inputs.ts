/** Input schemas shared by commands and queries. */
import { z } from 'zod';
import { parseInstant } from '../../shared/fields.js';

/** An ISO 8601 instant with a time zone, or a bare date (midnight UTC). */
export const instant = z
  .string()
  .refine(
    (v) => !('error' in parseInstant(v)),
    'must be an ISO 8601 date-time with a time zone, or a date (YYYY-MM-DD)',
  );

/** The Date of a string that passed `instant`. */
export const toDate = (v: string) => new Date((parseInstant(v) as { ms: number }).ms);

/**
 * `to` after `from` when both are given (a period is [from, to)); the problem is reported on `to`.
 */
export function periodOrdered(
  v: { from?: string | undefined; to?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (v.from === undefined || v.to === undefined) return;
  const from = parseInstant(v.from);
  const to = parseInstant(v.to);
  if ('ms' in from && 'ms' in to && !(from.ms < to.ms))
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: `must be after from (${v.from}): the period is [from, to)`,
    });
}
