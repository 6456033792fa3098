/**
 * What the hosts check before a bridge message reaches the router (the payload itself is checked by
 * the command's own schema there), and how they serialise answers: JSON with bigints as decimal
 * strings, the same in Electron and in the browser host.
 */
import { z } from 'zod';

/** What may cross the bridge for a call: a command or query name, its payload (checked by the router), an optional command id. */
export const bridgeCallSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-zA-Z.]{2,63}$/, 'is not a command or query name'),
  payload: z.unknown(),
  id: z.string().uuid('a command id is a uuid').optional(),
});
export const bridgeImportSchema = z.strictObject({ name: z.enum(['affiliates.import', 'conversions.import']), id: z.string().uuid().optional() });
export const bridgeExportSchema = z.strictObject({
  name: z.enum(['export.payoutItems']),
  payload: z.record(z.string(), z.unknown()),
  suggestedName: z.string().regex(/^[\w.-]{1,100}$/, 'is not a plain file name'),
  id: z.string().uuid().optional(),
});

/** JSON as both hosts send it: bigints as decimal strings (exact), dates as ISO strings. */
export function toWire(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

