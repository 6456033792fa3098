/**
 * The payment providers: one descriptor each (its folder's index.ts, the ProviderDescriptor of
 * src/core/platform/payments/descriptor.ts), listed once here. Everything that knows providers by
 * name derives from this list: the `providers` setting's schema, the credential accounts, channel
 * limits (channels.ts), the meaning of their states (states.ts), the webhook relay's paths,
 * verification and parsing (webhooks/relay.ts), the journal's cash accounts, the affiliates import's
 * provider column, the demo's markets, and building clients (createProviderResolver).
 *
 * Configuration (not secret) is the `providers` setting, one part per provider (each descriptor's
 * `settingsSchema`), which environment variables may override (TREASURY_XENDIT_URL,
 * TREASURY_RISE_URL, TREASURY_RISE_TEAM, TREASURY_RISE_ID: read by the descriptors' `build`).
 * Secrets come only from the credential store (the OS keychain).
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { TreasuryError } from '../../shared/errors.js';
import { assertProviderSecretAllowed } from '../../platform/credentials/policy.js';
import type { CredentialStore } from '../../platform/credentials/store.js';
import type {
  AnyProviderDescriptor,
  ProviderCredential,
} from '../../platform/payments/descriptor.js';
import type { PayoutProvider, ProviderName } from '../../platform/payments/provider.js';
import { PROVIDER_LABELS, PROVIDER_NAMES, type CredentialWhich } from '../../shared/providers.js';
import { rise } from './rise/index.js';
import { sandbox } from './sandbox/index.js';
import { xendit } from './xendit/index.js';

export { PROVIDER_LABELS, PROVIDER_NAMES, type ProviderName };

/** Every provider, in the vocabulary's order (src/core/shared/providers.ts). */
export const PROVIDERS = [xendit, rise, sandbox] as const;

/**
 * The registry and the vocabulary's names are the same names in the same order, proven by the
 * type-check: adding a descriptor here without its name in src/core/shared/providers.ts, or a name
 * there without its descriptor here, makes this line an error. (The names stay a literal tuple in
 * the shared floor because the platform floor and the renderer need them as a type and may not
 * import this file; see the comment there.)
 */
export type RegistryMatchesVocabulary = Holds<
  Same<NamesOf<typeof PROVIDERS>, [...typeof PROVIDER_NAMES]>
>;
type NamesOf<T extends readonly { name: string }[]> = { -readonly [K in keyof T]: T[K]['name'] };
/** true only when A and B are the same type. */
type Same<A, B> =
  (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
type Holds<T extends true> = T;

/** Names and labels, in order: what a help text or a select lists (the CLI's `--provider`). */
export const PROVIDER_CHOICES: readonly { name: ProviderName; label: string }[] = PROVIDERS.map(
  (d) => ({ name: d.name, label: d.label }),
);

/** The descriptor of `name` in `list` (the registry by default), or null. */
export function providerDescriptor(
  name: string,
  list: readonly AnyProviderDescriptor[] = PROVIDERS,
): AnyProviderDescriptor | null {
  return list.find((d) => d.name === name) ?? null;
}

/** `pick` of every provider, by name. */
export function byProvider<T>(
  pick: (d: AnyProviderDescriptor) => T,
): Readonly<Record<ProviderName, T>> {
  // Every name has its descriptor (RegistryMatchesVocabulary): the record is complete.
  return Object.fromEntries(PROVIDERS.map((d) => [d.name, pick(d)])) as Record<ProviderName, T>;
}

// ---------------------------------------------------------------------------------------------
// The `providers` setting
// ---------------------------------------------------------------------------------------------

type SettingsShape<T extends readonly AnyProviderDescriptor[]> = {
  [D in T[number] as D['name']]: z.ZodOptional<D['settingsSchema']>;
};

function settingsShape<const T extends readonly AnyProviderDescriptor[]>(
  list: T,
): SettingsShape<T> {
  // Object.fromEntries cannot say which key holds which schema; the mapped type says it.
  return Object.fromEntries(
    list.map((d) => [d.name, d.settingsSchema.optional()]),
  ) as SettingsShape<T>;
}

/**
 * A web address with a user name or password in it would put a secret into a setting, which every
 * workstation mirrors and the audit trail records: refused, pointing to the credential store.
 */
function noSecretInAddresses(value: Record<string, unknown>, ctx: z.RefinementCtx): void {
  for (const [provider, part] of Object.entries(value)) {
    for (const [field, v] of Object.entries((part ?? {}) as Record<string, unknown>)) {
      if (typeof v !== 'string' || !URL.canParse(v)) continue;
      const url = new URL(v);
      if (url.username || url.password)
        ctx.addIssue({
          code: 'custom',
          path: [provider, field],
          message:
            'must not hold a user name or password: secrets go to the credential store (Settings → Provider credentials)',
        });
    }
  }
}

/** Each provider's part of the setting, under its name; every part optional. */
export const providersSettingSchema = z
  .strictObject(settingsShape(PROVIDERS))
  .superRefine(noSecretInAddresses)
  .default({});
export type ProvidersSetting = z.infer<typeof providersSettingSchema>;

/** One field of a provider's part of the setting, as a form shows it (from its schema). */
export interface ProviderSettingField {
  name: string;
  title: string;
  description: string | null;
  type: 'string' | 'number' | 'integer';
  /** 'uri' for a web address. */
  format: string | null;
  minimum: number | null;
  maximum: number | null;
}

interface JsonField {
  title?: string;
  description?: string;
  type?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
}

/**
 * Every provider's settings fields, read from its `settingsSchema` (its JSON Schema): a form for a
 * new provider needs no change in the console. Limits beyond JavaScript's safe integers are not
 * limits an operator needs to read.
 */
export function providerSettingFields(): {
  provider: ProviderName;
  label: string;
  fields: ProviderSettingField[];
}[] {
  const bound = (n: number | undefined) =>
    n === undefined || Math.abs(n) >= Number.MAX_SAFE_INTEGER ? null : n;
  return PROVIDERS.map((d) => {
    const json = z.toJSONSchema(d.settingsSchema, { io: 'input' }) as {
      properties?: Record<string, JsonField>;
    };
    const fields = Object.entries(json.properties ?? {}).map(([name, f]): ProviderSettingField => ({
      name,
      title: f.title ?? name,
      description: f.description ?? null,
      type: f.type === 'integer' || f.type === 'number' ? f.type : 'string',
      format: f.format ?? null,
      minimum: bound(f.minimum),
      maximum: bound(f.maximum),
    }));
    return { provider: d.name, label: d.label, fields };
  });
}

export async function loadProvidersSetting(tx: CentralTx): Promise<ProvidersSetting> {
  const [row] = await rows<{ value: unknown }>(
    tx,
    sql`SELECT value FROM settings WHERE key = 'providers'`,
  );
  const parsed = providersSettingSchema.safeParse(row?.value ?? {});
  if (!parsed.success) {
    throw new TreasuryError(
      'VALIDATION',
      `the providers setting is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

/** One provider secret: its name, its provider and where it is kept. */
export interface CredentialEntry {
  which: CredentialWhich;
  provider: ProviderName;
  credential: ProviderCredential;
}

/** Every provider secret of `list`, in its order (each provider's API secret first). */
export function credentialEntries(
  list: readonly AnyProviderDescriptor[] = PROVIDERS,
): CredentialEntry[] {
  return list.flatMap((d) =>
    // The keys of a descriptor's `credentials` are its secrets' names (typed by the vocabulary).
    Object.entries(d.credentials as Readonly<Record<string, ProviderCredential>>).map(
      ([which, credential]) => ({ which: which as CredentialWhich, provider: d.name, credential }),
    ),
  );
}

/** Every provider secret, by name: what `treasury provider credentials set <which>` takes. */
export const CREDENTIAL_CHOICES: readonly CredentialEntry[] = credentialEntries();

type Camel<S extends string> = S extends `${infer H}-${infer T}`
  ? `${H}${Capitalize<Camel<T>>}`
  : S;
/** A secret's name in camelCase: `xendit-callback-token` → `xenditCallbackToken`. */
export type CredentialKey = Camel<CredentialWhich>;
export function credentialKey<W extends CredentialWhich>(which: W): Camel<W> {
  // The template-literal type Camel<W> is exactly what this replacement computes.
  return which.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) as Camel<W>;
}

/**
 * Credential-store accounts holding provider secrets, by the secret's name in camelCase
 * (`xenditCallbackToken`: the name the diagnostics bundle and the relay's options use).
 */
export const CREDENTIAL_ACCOUNTS = Object.fromEntries(
  CREDENTIAL_CHOICES.map((c) => [credentialKey(c.which), c.credential.account]),
) as Readonly<Record<CredentialKey, string>>;

/** The provider's API secret (the one its client is built with), if it has one. */
export function apiCredential(d: AnyProviderDescriptor): ProviderCredential | null {
  return (
    Object.values(d.credentials as Readonly<Record<string, ProviderCredential>>).find(
      (c) => c.use === 'api',
    ) ?? null
  );
}

/**
 * The webhook relay's paths, one per provider that sends webhooks (`POST /webhooks/xendit`, …; the
 * relay itself is src/core/domain/webhooks/relay.ts).
 */
export const WEBHOOK_PATHS: readonly string[] = PROVIDERS.flatMap((d) =>
  d.webhook ? [d.webhook.path] : [],
);

// ---------------------------------------------------------------------------------------------
// The journal
// ---------------------------------------------------------------------------------------------

/** The journal's cash account of each provider. */
export const CASH_ACCOUNTS = byProvider((d) => d.cashAccount);

// ---------------------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------------------

/** Builds provider clients once and keeps them; `forget` drops one whose credential changed. */
export type CachingResolver = ((name: ProviderName) => Promise<PayoutProvider>) & {
  forget(name: ProviderName): void;
};

export interface ResolverOptions {
  credentials: CredentialStore;
  db: CentralTx;
  /** The providers it knows (default: the registry; a test may name its own). */
  descriptors?: readonly AnyProviderDescriptor[];
}

/**
 * A client for `name` built from the stored configuration and the given credential store — for
 * checking a new credential before it replaces the stored one (provider.credentials.rotate).
 */
export async function buildProvider(
  name: ProviderName,
  credentials: CredentialStore,
  db: CentralTx,
): Promise<PayoutProvider> {
  const resolver = createProviderResolver({ credentials, db });
  return resolver(name);
}

/** One client: its setting validated, its secrets allowed on this workstation, then built. */
async function build(d: AnyProviderDescriptor, options: ResolverOptions): Promise<PayoutProvider> {
  const setting: Readonly<Record<string, unknown>> = await loadProvidersSetting(options.db);
  if (apiCredential(d))
    await assertProviderSecretAllowed(
      options.credentials,
      options.db,
      `${d.label} cannot be used from this workstation`,
    );
  return d.build({
    settings: d.settingsSchema.optional().parse(setting[d.name]),
    credentials: options.credentials,
    db: options.db,
  });
}

export function createProviderResolver(options: ResolverOptions): CachingResolver {
  const cache = new Map<ProviderName, Promise<PayoutProvider>>();
  const descriptors = options.descriptors ?? PROVIDERS;
  const resolve = (name: ProviderName) => {
    let p = cache.get(name);
    if (!p) {
      const d = providerDescriptor(name, descriptors);
      p = (d ? build(d, options) : Promise.reject(new Error(`no provider "${name}"`))).catch(
        (error: unknown) => {
          cache.delete(name); // a missing credential can be fixed without restarting
          if (error instanceof TreasuryError) throw error;
          throw new TreasuryError('PROVIDER_NOT_CONFIGURED', (error as Error).message, [], {
            cause: error,
          });
        },
      );
      cache.set(name, p);
    }
    return p;
  };
  return Object.assign(resolve, { forget: (name: ProviderName) => void cache.delete(name) });
}
