/**
 * What the hosts check before a bridge message reaches the router (the payload itself is checked by
 * the command's own schema there), and how they serialise answers: JSON with bigints as decimal
 * strings, the same in Electron and in the browser host.
 */
import { z } from 'zod';
import type { BridgeError, BridgeResult } from './contract.js';

const IMPORT_NAMES = ['affiliates.import', 'conversions.import'] as const;
const EXPORT_NAMES = [
  'export.payouts',
  'export.commissions',
  'export.payoutItems',
  'export.auditLog',
  'export.journal',
  'export.payablesGrid',
  'export.payoutsGrid',
] as const;

/**
 * Calls whose payload names a file on this machine (to read, or to write). The page never sends
 * them through `call`: it would choose any path it likes. The hosts send them themselves, with the
 * file the operator picked in a dialog or the host's own transit file (importFile, exportFile).
 * test/host/bridge/bridge-files.test.ts checks that every definition with a file in its input is listed here.
 */
/**
 * Files only a command line writes: the console has no backup button (a backup is an
 * administrator's job on the machine).
 */
const HOST_ONLY_NAMES = ['central.backup'] as const;
export const FILE_CALLS: ReadonlySet<string> = new Set<string>([
  ...IMPORT_NAMES,
  ...EXPORT_NAMES,
  ...HOST_ONLY_NAMES,
]);

/** A zod failure as the bridge reports it: the message, and each issue's path and text. */
export function invalid(
  message: string,
  error: z.ZodError,
): BridgeResult<never> & { ok: false; error: BridgeError } {
  return {
    ok: false,
    error: {
      code: 'VALIDATION',
      kind: 'user',
      message,
      problems: error.issues.map((i) => ({
        path: i.path.map(String).join('.'),
        message: i.message,
      })),
    },
  };
}

/**
 * What may cross the bridge for a call: a command or query name, its payload (checked by the
 * router), an optional command id, and whether it is a background call (CallOptions.background:
 * it can only make a session time out sooner, so the page is trusted with it).
 */
export const bridgeCallSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-zA-Z.]{2,63}$/, 'is not a command or query name'),
  payload: z.unknown(),
  id: z.string().uuid('a command id is a uuid').optional(),
  background: z.boolean().optional(),
});
export const bridgeImportSchema = z.strictObject({
  name: z.enum(IMPORT_NAMES),
  id: z.string().uuid().optional(),
});
/** A file kept by previewImport, to import (with a command id for its progress) or to drop. */
export const bridgePickedSchema = z.strictObject({
  picked: z.string().uuid('is not a picked file'),
  id: z.string().uuid().optional(),
});
export const bridgeExportSchema = z.strictObject({
  name: z.enum(EXPORT_NAMES),
  payload: z.record(z.string(), z.unknown()),
  suggestedName: z.string().regex(/^[\w.-]{1,100}$/, 'is not a plain file name'),
  id: z.string().uuid().optional(),
});

/** JSON as both hosts send it: bigints as decimal strings (exact), dates as ISO strings. */
export function toWire(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
