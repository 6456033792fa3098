/**
 * Who may use the browser host: one-time links and the browser sessions they open.
 *
 * - A **link** carries a random token, good for one visit within LINK_TTL_MS. The host prints one
 *   at start and another on demand (a key press in its terminal, `treasury console link`).
 * - The visit trades it for a **browser session**: a random HttpOnly, SameSite=Strict cookie with
 *   no
 *   expiry date (it ends with the browser), which lasts until the host stops or stays unused for
 * the
 *   idle timeout. Each browser session has its own operator sign-in (its own BridgeSession), so a
 *   second browser opened with a new link signs in on its own; tabs of one browser share theirs.
 * - Host and Origin are checked on every request: loopback names only, and only our own origin.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';

export const COOKIE = 'treasury_host';
/** A printed link not used within this time is no longer accepted. */
export const LINK_TTL_MS = 15 * 60 * 1000;
/** A browser session unused this long ends (its operator session is signed out). */
export const DEFAULT_IDLE_MS = 8 * 60 * 60 * 1000;
/**
 * Outstanding links and open browser sessions are bounded: a runaway loop cannot grow them forever.
 */
const MAX_LINKS = 32;
const MAX_SESSIONS = 64;

export const same = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export type Refusal = { status: number; message: string };

export interface BrowserSession<T> {
  readonly id: string;
  readonly state: T;
  lastSeen: number;
}

export function cookiesOf(req: http.IncomingMessage): Record<string, string> {
  const pairs = (req.headers.cookie ?? '').split(';').map((c) => c.trim().split('='));
  return Object.fromEntries(pairs.filter((p) => p.length === 2) as [string, string][]);
}

export class Admission<T> {
  private readonly links = new Map<string, number>();
  private readonly sessions = new Map<string, BrowserSession<T>>();
  private origin = '';

  constructor(
    private readonly open: () => T,
    private readonly ended: (state: T) => void,
    private readonly idleMs = DEFAULT_IDLE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  setOrigin(origin: string): void {
    this.origin = origin;
  }

  /** A new one-time link token (the oldest outstanding one goes when too many wait). */
  issueLink(): string {
    const token = randomBytes(24).toString('base64url');
    this.links.set(token, this.now() + LINK_TTL_MS);
    while (this.links.size > MAX_LINKS) this.links.delete(this.links.keys().next().value!);
    return token;
  }

  /**
   * Spends a link token for a new browser session; null when it was used, expired or never issued.
   */
  redeem(token: string): BrowserSession<T> | null {
    this.expire();
    const hit = [...this.links.keys()].find((t) => same(t, token));
    if (!hit) return null;
    this.links.delete(hit);
    const session: BrowserSession<T> = {
      id: randomBytes(32).toString('base64url'),
      state: this.open(),
      lastSeen: this.now(),
    };
    this.sessions.set(session.id, session);
    while (this.sessions.size > MAX_SESSIONS) this.end(this.sessions.keys().next().value!);
    return session;
  }

  /** The Host and Origin checks every request passes (the link itself included). */
  checkSite(req: http.IncomingMessage): Refusal | null {
    if (req.headers.host !== new URL(this.origin).host)
      return { status: 403, message: 'this host answers on 127.0.0.1 only' };
    if (req.headers.origin !== undefined && req.headers.origin !== this.origin)
      return { status: 403, message: 'requests from other sites are refused' };
    return null;
  }

  /**
   * The browser session a request belongs to, or why it has none. Using a session keeps it alive.
   */
  admit(
    req: http.IncomingMessage,
  ): { ok: true; session: BrowserSession<T> } | ({ ok: false } & Refusal) {
    const site = this.checkSite(req);
    if (site) return { ok: false, ...site };
    this.expire();
    const id = cookiesOf(req)[COOKIE];
    const session =
      id === undefined ? undefined : [...this.sessions.values()].find((s) => same(s.id, id));
    if (!session)
      return {
        ok: false,
        status: 401,
        message: 'open a sign-in link from the host (it prints one at start and another on demand)',
      };
    session.lastSeen = this.now();
    return { ok: true, session };
  }

  cookieFor(session: BrowserSession<T>): string {
    return `${COOKIE}=${session.id}; HttpOnly; SameSite=Strict; Path=/`;
  }

  /** Ends every browser session (the host is stopping). */
  endAll(): void {
    for (const id of [...this.sessions.keys()]) this.end(id);
    this.links.clear();
  }

  private end(id: string): void {
    const s = this.sessions.get(id);
    this.sessions.delete(id);
    if (s) this.ended(s.state);
  }

  /**
   * Ends what has expired now (the host also calls this on a timer: an idle session ends even if no
   * request comes).
   */
  expire(): void {
    const now = this.now();
    for (const [token, until] of this.links) if (until < now) this.links.delete(token);
    for (const [id, s] of this.sessions) if (now - s.lastSeen > this.idleMs) this.end(id);
  }
}
