/**
 * Invariants: what must hold if the code is right. A failed assertion is a programmer's error, never
 * an operator's — it is not a TreasuryError with a code and words for the console, it is a bug, and it
 * stops the call (the router answers INTERNAL and logs it). Kept on in production: a payment system
 * that goes on after its own invariant broke can pay twice (TigerBeetle's style, docs/architecture.md).
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function assert(condition: unknown, invariant: string): asserts condition {
  if (!condition) throw new AssertionError(`invariant broken: ${invariant}`);
}
