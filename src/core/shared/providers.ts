/**
 * The payment providers' public vocabulary: their names, how people call them, and what their
 * secrets are called — everything a screen, a help text or a lower floor may know about a provider
 * without loading its code.
 *
 * Why the names live here as a literal tuple, and not only in the registry
 * (src/core/domain/providers/registry.ts): the platform floor (the payment port, the router) and
 * the renderer need the names as a TYPE, and neither may import the domain floor where the
 * providers' folders are. So the names are declared once, here, at the floor everyone may read,
 * and the registry is proven equal to them: `RegistryMatchesVocabulary` in registry.ts fails the
 * type-check when a descriptor is added without its name here or a name without its descriptor
 * (same names, same order), the `satisfies` clauses below fail it when a name lacks its label or a
 * secret names no provider, and test/domain/providers/registry.test.ts checks the rest at run time
 * (each descriptor's secrets are the ones named here, the database's CHECK holds the same names).
 */

/** Every provider's name, in the order screens and help texts list them. */
export const PROVIDER_NAMES = ['xendit', 'rise', 'sandbox'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** Each provider as people name it (a select's labels). */
export const PROVIDER_LABELS = {
  xendit: 'Xendit',
  rise: 'Rise',
  sandbox: 'Sandbox (test provider)',
} as const satisfies Record<ProviderName, string>;

/**
 * The secrets providers need, by the name operators give them (`treasury provider credentials set
 * <which>`), with the words a settings screen shows. Only names and words: the secrets themselves
 * live in the credential store.
 */
export const PROVIDER_CREDENTIALS = {
  xendit: {
    provider: 'xendit',
    label: 'Xendit secret key',
    hint: 'API secret key (xnd_…) used to send payouts',
  },
  'xendit-callback-token': {
    provider: 'xendit',
    label: 'Xendit callback token',
    hint: 'verifies Xendit webhooks (x-callback-token)',
  },
  rise: {
    provider: 'rise',
    label: 'Rise wallet key',
    hint: '0x followed by 64 hex digits: signs Rise payouts',
  },
  'rise-webhook-secret': {
    provider: 'rise',
    label: 'Rise webhook secret',
    hint: 'verifies Rise webhooks (X-Rise-Signature)',
  },
} as const satisfies Record<string, { provider: ProviderName; label: string; hint: string }>;

/** A provider secret's name (`xendit`, `xendit-callback-token`, …). */
export type CredentialWhich = keyof typeof PROVIDER_CREDENTIALS;

/** The secrets of provider `N`. */
export type CredentialOf<N extends ProviderName> = {
  [W in CredentialWhich]: (typeof PROVIDER_CREDENTIALS)[W]['provider'] extends N ? W : never;
}[CredentialWhich];
