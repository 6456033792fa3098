/**
 * The backup file of the embedded central store (`treasury backup`): one file, a text header, then
 * the data.
 *
 *     TREASURY-CENTRAL-BACKUP 1\n
 *     {manifest as one line of JSON}\n
 *     <PGlite data directory as a gzip'd tar (PGlite's dumpDataDir)>
 *
 * The manifest says when, by whom and from where it was taken, the data's length and SHA-256, and
 * the ledger summary (backup/summary.ts) measured on the backup itself — a restore checks all of it
 * before it replaces anything. It holds no secret (the store holds password hashes, never
 * passwords; provider credentials live in the OS keychain, and the local cache is never part of a
 * backup).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { TreasuryError } from '../../shared/errors.js';

export const BACKUP_MAGIC = 'TREASURY-CENTRAL-BACKUP 1\n';

const digits = z.string().regex(/^-?\d+$/);
export const manifestSchema = z.strictObject({
  format: z.literal('treasury-central-backup'),
  version: z.literal(1),
  createdAt: z.string().datetime(),
  createdBy: z.strictObject({ operatorId: z.string().nullable(), username: z.string().nullable() }),
  workstationId: z.string(),
  appVersion: z.string(),
  source: z.string(),
  data: z.strictObject({
    kind: z.literal('pglite-datadir'),
    compression: z.literal('gzip'),
    bytes: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  summary: z.strictObject({
    tables: z.record(z.string(), digits),
    money: z.record(z.string(), digits),
    audit: z.strictObject({ seq: digits, head: z.string() }),
  }),
  auditIntact: z.boolean(),
});
export type BackupManifest = z.infer<typeof manifestSchema>;

export function encodeHeader(manifest: BackupManifest): string {
  return BACKUP_MAGIC + JSON.stringify(manifest) + '\n';
}

const bad = (file: string, why: string) =>
  new TreasuryError('VALIDATION', `${file} cannot be restored: ${why}. Nothing was changed.`, [
    { file, message: why },
  ]);

/**
 * Reads a backup file and checks it whole: format, manifest, length and checksum of the data.
 * `sha256` is the whole file's (what `treasury backup` printed and audited, and `sha256sum` shows).
 */
export async function readBackup(
  file: string,
): Promise<{ manifest: BackupManifest; data: Buffer; sha256: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw bad(
      file,
      code === 'ENOENT'
        ? 'the file does not exist'
        : `it cannot be read (${code ?? (error as Error).message})`,
    );
  }
  if (bytes.subarray(0, BACKUP_MAGIC.length).toString('latin1') !== BACKUP_MAGIC)
    throw bad(
      file,
      'it is not a Treasury Console central backup (its first line is not "TREASURY-CENTRAL-BACKUP 1")',
    );
  const end = bytes.indexOf(0x0a, BACKUP_MAGIC.length);
  if (end < 0) throw bad(file, 'its manifest line is cut short');
  let json: unknown;
  try {
    json = JSON.parse(bytes.subarray(BACKUP_MAGIC.length, end).toString('utf8'));
  } catch (error) {
    throw bad(file, `its manifest is not valid JSON (${(error as Error).message})`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success)
    throw bad(
      file,
      `its manifest is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(manifest)'}: ${i.message}`).join('; ')}`,
    );
  const manifest = parsed.data;
  const data = bytes.subarray(end + 1);
  if (data.length !== manifest.data.bytes)
    throw bad(
      file,
      `it is truncated or padded: the manifest announces ${manifest.data.bytes} bytes of data, the file holds ${data.length}`,
    );
  const sha = createHash('sha256').update(data).digest('hex');
  if (sha !== manifest.data.sha256)
    throw bad(
      file,
      `its data is damaged: SHA-256 ${sha}, the manifest says ${manifest.data.sha256}`,
    );
  return { manifest, data, sha256: createHash('sha256').update(bytes).digest('hex') };
}
