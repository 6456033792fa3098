/**
 * Deterministic ids: a workstation preparing a batch offline must know the ids the central store
 * will give its payouts (the cache holds them optimistically, then the pull brings the real rows
 * under the same keys). A name-based UUID (RFC 9562 version 8: SHA-256 of namespace and name).
 */
import { createHash } from 'node:crypto';

export function derivedId(namespace: string, name: string): string {
  const h = createHash('sha256').update(namespace).update('\u0000').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x80; // version 8
  h[8] = (h[8]! & 0x3f) | 0x80; // RFC variant
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** The payout of `affiliateId` in the batch with the client-chosen id `batchId`. */
export const payoutIdFor = (batchId: string, affiliateId: string) =>
  derivedId(`payout:${batchId}`, affiliateId);
