/**
 * Signing in to Rise: Sign-In with Ethereum (a challenge for our wallet, signed, exchanged for a
 * JWT), one sign-in at a time, renewed once when Rise says the token expired. Every message that
 * leaves this session is redacted of the wallet key and of every recent token.
 */
import { isAddressEqual } from 'viem';
import { parseSiweMessage } from 'viem/siwe';
import {
  invalid,
  send,
  type Call,
  type HttpFailure,
  type HttpResult,
  type RiseTransport,
} from './http.js';
import type { RiseWallet } from './signing.js';
import { jwtSchema, siweSchema } from './wire.js';

export class RiseSession {
  readonly transport: RiseTransport;
  #jwt: string | null = null;
  /** Recent tokens (bounded), so even a replaced one is redacted if a server echoes it. */
  readonly #tokensSeen: string[] = [];
  #signingIn: Promise<HttpFailure | null> | null = null;

  constructor(
    where: Omit<RiseTransport, 'redact'>,
    readonly wallet: RiseWallet,
    readonly riseId: string,
  ) {
    this.transport = { ...where, redact: (text) => this.redact(text) };
  }

  /** Server text goes into errors; make sure neither secret can ride along. */
  redact(text: string): string {
    // Replace before truncating, so a cut can never leave part of a secret behind.
    let out = text;
    for (const token of this.#tokensSeen) out = out.split(token).join('[redacted]');
    return this.wallet.redact(out).slice(0, 300);
  }

  /**
   * A bearer call; on 401/JWT_EXPIRED the token is renewed and the call retried once (a 401
   * executed nothing).
   */
  async authed(call: Call): Promise<HttpResult> {
    const first = await this.#ensureSignedIn();
    if (first) return { ok: false, failure: first };
    const used = this.#jwt;
    const result = await send(this.transport, call, used);
    if (result.ok || (result.failure.status !== 401 && result.failure.code !== 'JWT_EXPIRED'))
      return result;
    // Drop the token only if no concurrent call has renewed it already.
    if (this.#jwt === used) this.#jwt = null;
    const again = await this.#ensureSignedIn();
    if (again) return { ok: false, failure: again };
    return send(this.transport, call, this.#jwt);
  }

  /** One sign-in at a time: concurrent calls wait for the same one. */
  async #ensureSignedIn(): Promise<HttpFailure | null> {
    if (this.#jwt) return null;
    this.#signingIn ??= this.#signInSafely().finally(() => {
      this.#signingIn = null;
    });
    const failure = await this.#signingIn;
    return failure ? { ...failure, message: `sign-in failed: ${failure.message}` } : null;
  }

  async #signInSafely(): Promise<HttpFailure | null> {
    try {
      return await this.#signIn();
    } catch (error) {
      // e.g. a malformed address in the challenge; viem's text names no secret, but redact anyway.
      return invalid(this.redact((error as Error).message.split('\n')[0] ?? 'error'));
    }
  }

  async #signIn(): Promise<HttpFailure | null> {
    const challenge = await send(
      this.transport,
      {
        method: 'GET',
        path: '/v2/auth/siwe',
        query: { wallet: this.wallet.address, riseid: this.riseId },
      },
      null,
    );
    if (!challenge.ok) return challenge.failure;
    const siwe = siweSchema.safeParse(challenge.data);
    if (!siwe.success) return invalid('sign-in challenge has no data.siwe');
    const message = siwe.data.siwe;
    const fields = parseSiweMessage(message);
    const nonce = fields.nonce ?? /^Nonce: (\S+)$/m.exec(message)?.[1];
    // Sign only a sign-in for our own wallet: the message is server-supplied text.
    if (!nonce || !fields.address || !isAddressEqual(fields.address, this.wallet.address))
      return invalid('sign-in challenge is not a SIWE message for our wallet');
    const sig = await this.wallet.signMessage(message);
    const verified = await send(
      this.transport,
      { method: 'POST', path: '/v2/auth/verify', body: { message, sig, nonce } },
      null,
    );
    if (!verified.ok) return verified.failure;
    const token = jwtSchema.safeParse(verified.data);
    if (!token.success) return invalid('sign-in answer has no data.jwt');
    this.#jwt = token.data.jwt;
    this.#tokensSeen.push(this.#jwt);
    if (this.#tokensSeen.length > 8) this.#tokensSeen.shift();
    return null;
  }
}
