/**
 * A payment provider as the rest of the system knows it: one descriptor per provider, exported by
 * the provider's folder (src/core/domain/providers/<name>/index.ts) and listed once in the
 * registry (src/core/domain/providers/registry.ts). Everything that used to switch on a provider's
 * name reads its descriptor instead: the `providers` setting's schema, the credential accounts,
 * channel limits, the meaning of its states, the journal's cash account, the webhook relay's path,
 * verification and parsing, the demo's markets, and how its client is built.
 *
 * The type lives on this floor, beside the payment port (provider.ts), because the router and the
 * kernel only know the port; the descriptors themselves are domain code.
 */
import type { z } from 'zod';
import type { CentralTx } from '../central/store.js';
import type { CredentialStore } from '../credentials/store.js';
import type { CredentialOf, PROVIDER_LABELS, ProviderName } from '../../shared/providers.js';
import type { ChannelLimits, PayoutProvider } from './provider.js';
import type { ParsedEvent } from './webhook.js';

/** One secret of a provider, kept in the credential store (never in settings, files or logs). */
export interface ProviderCredential {
  /** The credential store's account (`provider:xendit:secret-key`). */
  readonly account: string;
  /**
   * 'api': the client's own secret (API key, wallet key), proven with a balance call when
   * rotated; 'webhook': the relay verifies deliveries with it.
   */
  readonly use: 'api' | 'webhook';
  /** For an API secret: the currency whose balance proves a new one (default: the first paid). */
  readonly proofCurrency?: string;
  /** Why `secret` cannot be this credential (checked before it is stored), or null. */
  formatProblem?(secret: string): { message: string; problem: string } | null;
}

/** What a provider can pay, known without asking it. */
export interface ProviderChannels {
  /** The currencies it pays in ('any': every currency). */
  readonly currencies: readonly string[] | 'any';
  /**
   * Whether a payout above a channel's maximum may go as several transfers, each its own payout
   * with its own reference; otherwise such a payout is deferred for a person.
   */
  readonly splitAllowed: boolean;
  /**
   * A channel's published limits in one of its currencies: preview and batch creation work offline
   * from these; execution's pre-flight asks the provider itself (its live limits win).
   */
  limits(channelCode: string, currency: string): ChannelLimits;
}

/** What one of the provider's own payout states means, in words a treasury operator reads. */
export interface StateWords {
  readonly words: string;
  /** The payout waits on something nobody at the provider resolves by itself: a person acts. */
  readonly attention?: true;
}

export interface ProviderStates {
  /** The provider's states as it spells them → what they mean. */
  readonly table: Readonly<Record<string, StateWords>>;
  /** The states in which a payout is over (paid, failed, cancelled, returned). */
  readonly final: readonly string[];
  /** A state as received → as the table spells it (Rise sends any case); default: as received. */
  key?(raw: string): string;
  /** Where an operator checks a state this console does not know ("Xendit", "the provider"). */
  readonly askAt: string;
}

/** One webhook delivery as the relay received it. */
export interface WebhookDelivery {
  header(name: string): string | undefined;
  /** The body, read on first call: a check on the headers alone costs a stranger nothing. */
  body(): Promise<string>;
  /** The central store's clock in epoch ms (the relay's machine may be hours off). */
  now(): Promise<number>;
}

export interface ProviderWebhook<N extends ProviderName> {
  /** The relay's path: `POST <path>`. */
  readonly path: string;
  /** Which of the provider's credentials the relay verifies deliveries with. */
  readonly secret: CredentialOf<N>;
  /** Why the delivery is not from the provider (answered 401), or null when it is. */
  refusal(delivery: WebhookDelivery, secret: string): Promise<string | null>;
  /** The verified body as one event; throws WebhookBodyError (400) for a body that is not one. */
  parse(body: string): ParsedEvent;
}

/** A country the demo data pays through this provider. */
export interface DemoMarket {
  readonly country: string;
  readonly currency: string;
  readonly channels: readonly string[];
  /** Typical order value range, in major units (demo data, not money in flight). */
  readonly order: readonly [number, number];
  readonly names: readonly string[];
  /** The market's share of the demo's affiliates (all markets of the registry share 1). */
  readonly share: number;
}

/** The provider's part of the deterministic demo data (src/core/domain/demo/generate.ts). */
export interface ProviderDemo {
  readonly markets?: readonly DemoMarket[];
  /** A demo account number for a destination on `channel`, from the demo's stream (one draw). */
  account?(channel: string, rand: () => number): string;
  /**
   * Pays this share of every market's affiliates instead of the market's own provider (the
   * sandbox: a demo then executes end to end with no credentials).
   */
  readonly shareOfEveryMarket?: number;
}

/** What building a provider's client may use. */
export interface ProviderBuildContext<S> {
  /** The provider's part of the `providers` setting, validated; undefined when not set. */
  readonly settings: S | undefined;
  /** Where its secrets come from: the only place they come from. */
  readonly credentials: CredentialStore;
  /** The central store (the sandbox keeps its books there); provider calls run outside any transaction. */
  readonly db: CentralTx;
}

export interface ProviderDescriptor<
  N extends ProviderName = ProviderName,
  S extends z.ZodType = z.ZodType,
> {
  readonly name: N;
  /** As people name it: the vocabulary's label (src/core/shared/providers.ts). */
  readonly label: (typeof PROVIDER_LABELS)[N];
  /** Its part of the `providers` setting (non-secret configuration): a strict object. */
  readonly settingsSchema: S;
  /** Its secrets: exactly the ones the vocabulary names for it. */
  readonly credentials: { readonly [W in CredentialOf<N>]: ProviderCredential };
  readonly channels: ProviderChannels;
  readonly states: ProviderStates;
  /** The journal's account for cash held at this provider. */
  readonly cashAccount: { readonly code: string; readonly name: string };
  /** How the webhook relay takes its callbacks; absent when it sends none. */
  readonly webhook?: ProviderWebhook<N>;
  readonly demo?: ProviderDemo;
  /**
   * The client, from its settings and the credential store. Loads its client code on demand, so
   * that knowing a provider costs no start-up time.
   */
  build(context: ProviderBuildContext<z.output<S>>): Promise<PayoutProvider>;
}

/** Any one provider's descriptor (a union: each member keeps its own name and secrets). */
export type AnyProviderDescriptor = { [N in ProviderName]: ProviderDescriptor<N> }[ProviderName];
