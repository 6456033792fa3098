/**
 * The settings the console shows and changes: high-value thresholds (batches/thresholds.ts) and the
 * providers' non-secret configuration (providers/registry.ts). Secrets never live in settings: they
 * are in the credential store (`provider.setCredential`). A new value is checked with the very
 * schema its readers parse it with, so nothing can be stored that a reader would refuse.
 */
import { sql } from 'drizzle-orm';
import { asJson } from '../../platform/kernel/audit-chain.js';
import { z } from 'zod';
import {
  DEFAULT_HIGH_VALUE_THRESHOLDS,
  SETTING_KEY as THRESHOLDS_KEY,
  thresholdsSchema,
} from '../batches/thresholds.js';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { TreasuryError } from '../../shared/errors.js';
import { defineCommand, defineQuery } from '../../platform/kernel/router.js';
import {
  FILE_VAULT_KEY,
  fileVaultSettingSchema,
  type FileVaultSetting,
} from '../../platform/credentials/policy.js';
import {
  EXCEPTIONS_SETTING,
  exceptionsSettingSchema,
  type ExceptionsSetting,
} from '../exceptions/queue.js';
import {
  providerSettingFields,
  providersSettingSchema,
  type ProviderSettingField,
  type ProvidersSetting,
} from '../providers/registry.js';
import { isoOf, parseJson } from '../../platform/query/paging.js';

/** The console's names for settings → their rows in the `settings` table. */
const KEYS = {
  thresholds: THRESHOLDS_KEY,
  providers: 'providers',
  fileVault: FILE_VAULT_KEY,
  exceptions: EXCEPTIONS_SETTING,
} as const;
type SettingName = keyof typeof KEYS;

interface Stored {
  value: unknown;
  updatedAt: string | null;
  updatedBy: string | null;
}

export interface SettingsView {
  thresholds: {
    /** What is configured (currency → decimal amount); currencies not listed use the defaults. */
    configured: Record<string, string>;
    defaults: Record<string, string>;
    /** What batches use: the defaults overridden by the configured amounts. */
    effective: Record<string, string>;
    updatedAt: string | null;
    updatedBy: string | null;
  };
  providers: {
    value: ProvidersSetting;
    updatedAt: string | null;
    updatedBy: string | null;
    /** Each provider's fields, for the form (from its settings schema; never a secret). */
    fields: { provider: string; label: string; fields: ProviderSettingField[] }[];
  };
  /**
   * Whether workstations without an OS keychain may keep real provider secrets in their file vault.
   */
  fileVault: { value: FileVaultSetting; updatedAt: string | null; updatedBy: string | null };
  /** When an unresolved or waiting payout enters the exception queue (exceptions/queue.ts). */
  exceptions: { value: ExceptionsSetting; updatedAt: string | null; updatedBy: string | null };
}

async function stored(tx: CentralTx): Promise<Record<string, Stored>> {
  const list = await rows<{
    key: string;
    value: unknown;
    updated_at: Date | string;
    username: string | null;
  }>(
    tx,
    sql`SELECT s.key, s.value::text AS value, s.updated_at, o.username FROM settings s LEFT JOIN operators o ON o.id = s.updated_by
        WHERE s.key IN (${KEYS.thresholds}, ${KEYS.providers}, ${KEYS.fileVault}, ${KEYS.exceptions})`,
  );
  return Object.fromEntries(
    list.map((r) => [
      r.key,
      { value: parseJson(r.value), updatedAt: isoOf(r.updated_at), updatedBy: r.username },
    ]),
  );
}

/** A stored value through its reader's schema; a broken row is reported, not hidden. */
function read<S extends z.ZodType>(name: SettingName, schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new TreasuryError(
      'VALIDATION',
      `the stored ${name} setting is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

export async function showSettings(tx: CentralTx): Promise<SettingsView> {
  const s = await stored(tx);
  const thresholds = s[KEYS.thresholds];
  const providers = s[KEYS.providers];
  const fileVault = s[KEYS.fileVault];
  const exceptions = s[KEYS.exceptions];
  const configured = thresholds ? read('thresholds', thresholdsSchema, thresholds.value) : {};
  return {
    thresholds: {
      configured,
      defaults: { ...DEFAULT_HIGH_VALUE_THRESHOLDS },
      effective: { ...DEFAULT_HIGH_VALUE_THRESHOLDS, ...configured },
      updatedAt: thresholds?.updatedAt ?? null,
      updatedBy: thresholds?.updatedBy ?? null,
    },
    providers: {
      value: read('providers', providersSettingSchema, providers?.value ?? {}),
      updatedAt: providers?.updatedAt ?? null,
      updatedBy: providers?.updatedBy ?? null,
      fields: providerSettingFields(),
    },
    fileVault: {
      value: read('fileVault', fileVaultSettingSchema, fileVault?.value ?? {}),
      updatedAt: fileVault?.updatedAt ?? null,
      updatedBy: fileVault?.updatedBy ?? null,
    },
    exceptions: {
      value: read('exceptions', exceptionsSettingSchema, exceptions?.value ?? {}),
      updatedAt: exceptions?.updatedAt ?? null,
      updatedBy: exceptions?.updatedBy ?? null,
    },
  };
}

export const show = defineQuery({
  name: 'settings.show',
  permission: 'payables.view',
  input: z.strictObject({}),
  run: (ctx): Promise<SettingsView> => showSettings(ctx.tx),
});

/**
 * `value` must be given: the providers schema would default a missing one to {} and wipe the
 * setting.
 */
const given = z.unknown().refine((v): boolean => v !== undefined, 'is required');

export const set = defineCommand({
  name: 'settings.set',
  permission: 'admin.manage',
  input: z.discriminatedUnion(
    'key',
    [
      z.strictObject({ key: z.literal('thresholds'), value: given.pipe(thresholdsSchema) }),
      z.strictObject({ key: z.literal('providers'), value: given.pipe(providersSettingSchema) }),
      z.strictObject({ key: z.literal('fileVault'), value: given.pipe(fileVaultSettingSchema) }),
      z.strictObject({ key: z.literal('exceptions'), value: given.pipe(exceptionsSettingSchema) }),
    ],
    { error: "key must be 'thresholds', 'providers', 'fileVault' or 'exceptions'" },
  ),
  async run(ctx, input): Promise<SettingsView> {
    const key = KEYS[input.key];
    const [before] = await rows<{ value: string }>(
      ctx.tx,
      sql`SELECT value::text AS value FROM settings WHERE key = ${key} FOR UPDATE`,
    );
    await ctx.tx.execute(sql`INSERT INTO settings (key, value, updated_by, updated_at)
                             VALUES (${key}, ${JSON.stringify(input.value)}::jsonb, ${ctx.actor.operatorId}::uuid, ${ctx.now.toISOString()}::timestamptz)
                             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`);
    ctx.audit({
      action: 'settings.set',
      entityType: 'setting',
      entityId: key,
      before: before ? asJson(parseJson(before.value)) : null,
      after: asJson(input.value),
    });
    return showSettings(ctx.tx);
  },
});
