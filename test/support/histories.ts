/**
 * What a provider can say of one payout attempt, in its order (OTHER: a held state such as LOCKED),
 * for the status-order tests.
 */
import type { ProviderStatus } from '../../src/core/platform/payments/provider.js';

export const HISTORIES: readonly (readonly ProviderStatus[])[] = [
  ['ACCEPTED', 'SUCCEEDED'],
  ['ACCEPTED', 'FAILED'],
  ['ACCEPTED', 'CANCELLED'],
  ['ACCEPTED', 'SUCCEEDED', 'REVERSED'],
  ['REQUESTED', 'ACCEPTED', 'SUCCEEDED'],
  ['ACCEPTED', 'OTHER', 'ACCEPTED', 'FAILED'],
  ['ACCEPTED', 'OTHER', 'SUCCEEDED'],
  ['FAILED'],
  ['SUCCEEDED'],
];
