/**
 * Rise's typed data (EIP-712): validate what Rise asks us to sign, refuse anything that is not a
 * Rise forwarder request on Arbitrum, and put it in the form the signer takes — exactly, with
 * every integer as a bigint.
 */
import { LosslessNumber } from 'lossless-json';
import { typedDataSchema, wireInt } from './wire.js';

/** Typed data we agree to sign: anything else is refused rather than signed blindly. */
export const RISE_FORWARDER_DOMAIN = 'RiseAccountForwarder';
export const RISE_CHAIN_ID = 42161n; // Arbitrum One

export interface Intent {
  /** As Rise sent it (LosslessNumbers intact): sent back unchanged in the PUT. */
  raw: unknown;
  salt: string;
  expiresMs: bigint;
  signable: {
    domain: Record<string, unknown>;
    types: Record<string, { name: string; type: string }[]>;
    primaryType: string;
    message: Record<string, unknown>;
  };
}

/**
 * viem wants uint values as bigint; everything else as Rise sent it. Recurses through structs and
 * arrays.
 */
function normalizeValue(types: Intent['signable']['types'], type: string, value: unknown): unknown {
  const array = /^(.*)\[\d*\]$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) throw new Error(`typed data field of type ${type} is not an array`);
    return value.map((v) => normalizeValue(types, array[1]!, v));
  }
  const struct = types[type];
  if (struct) {
    if (typeof value !== 'object' || value === null)
      throw new Error(`typed data field of type ${type} is not an object`);
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      struct.map((f) => [f.name, normalizeValue(types, f.type, record[f.name])]),
    );
  }
  if (/^u?int\d*$/.test(type)) return wireInt.parse(value);
  if (value instanceof LosslessNumber) return value.value;
  return value;
}

export function toIntent(
  raw: unknown,
): { ok: true; intent: Intent } | { ok: false; message: string } {
  const parsed = typedDataSchema.safeParse(raw);
  if (!parsed.success)
    return {
      ok: false,
      message: `typed data is not the documented shape: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    };
  const td = parsed.data;
  // Only ever sign a Rise forwarder request on Arbitrum: a compromised or misconfigured endpoint
  // must not be able to get arbitrary typed data signed with the treasury wallet.
  if (td.domain.name !== RISE_FORWARDER_DOMAIN || td.domain.chainId !== RISE_CHAIN_ID) {
    return {
      ok: false,
      message: `typed data domain is "${td.domain.name}" on chain ${td.domain.chainId}, expected ${RISE_FORWARDER_DOMAIN} on ${RISE_CHAIN_ID}`,
    };
  }
  if (!td.types[td.primaryType])
    return { ok: false, message: `typed data has no type ${td.primaryType}` };
  const rawTd = raw as { domain: Record<string, unknown>; message: unknown };
  try {
    const { EIP712Domain: _domainType, ...types } = td.types;
    const domain: Record<string, unknown> = { ...rawTd.domain, chainId: Number(td.domain.chainId) };
    const message = normalizeValue(types, td.primaryType, rawTd.message) as Record<string, unknown>;
    return {
      ok: true,
      intent: {
        raw,
        salt: td.message.salt.toString(),
        expiresMs: td.message.expires * 1000n,
        signable: { domain, types, primaryType: td.primaryType, message },
      },
    };
  } catch (error) {
    return { ok: false, message: `typed data cannot be signed: ${(error as Error).message}` };
  }
}
