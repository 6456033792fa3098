/** Input schemas shared by commands and queries. */
import { z } from 'zod';
import { parseInstant } from '../imports/fields.js';

/** An ISO 8601 instant with a time zone, or a bare date (midnight UTC). */
export const instant = z.string().refine((v) => !('error' in parseInstant(v)), 'must be an ISO 8601 date-time with a time zone, or a date (YYYY-MM-DD)');

/** The Date of a string that passed `instant`. */
export const toDate = (v: string) => new Date((parseInstant(v) as { ms: number }).ms);
