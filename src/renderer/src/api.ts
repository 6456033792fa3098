/**
 * The renderer's one way out: typed calls through `window.treasury` (the preload in Electron, the
 * browser host's injected object in a browser). A refused or failed call becomes a `CallFailed`
 * carrying the router's error (code, message, problems) so views can say exactly what was wrong.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type {
  BridgeError,
  CallInput,
  CallOptions,
  CallOutput,
  PageCallName as CallName,
} from '../../core/host/bridge/contract';
import { problemInWords } from '../../core/shared/issue-words';
import { permissionInWords } from '../../core/shared/permissions';
import { useConsole } from './store';

export class CallFailed extends Error {
  constructor(readonly error: BridgeError) {
    super(error.message);
    this.name = 'CallFailed';
  }
  get code(): string {
    return this.error.code;
  }
}

/**
 * Why the session ended, for the sign-in screen: the router's "not signed in" speaks to CLI users
 * (run `treasury login`); the console says it in its own words.
 */
const signedOutWords = (message: string) =>
  /treasury login/.test(message) ? 'You are signed out: sign in to continue.' : message;

/** Calls the router; throws CallFailed with the router's error when it refuses. */
export async function call<N extends CallName>(
  name: N,
  payload: CallInput<N>,
  options?: CallOptions,
): Promise<CallOutput<N>> {
  const result = await window.treasury.call(name, payload, options);
  if (!result.ok) {
    // Once the console is back at sign-in, a late answer must not replace why (a lockout's
    // sentence) with its own.
    const state = useConsole.getState();
    if (result.error.code === 'UNAUTHENTICATED' && name !== 'session.signIn' && state.manifest)
      state.sessionEnded(signedOutWords(result.error.message));
    throw new CallFailed(result.error);
  }
  return result.value as CallOutput<N>;
}

/**
 * A refused sign-in or step-up (core/domain/operators/sign-in.ts): why, for the console's words.
 */
export interface Refusal {
  ok: false;
  kind?: 'credentials' | 'locked' | 'disabled' | 'address';
  reason: string;
  lockedUntil?: string;
  triesLeft?: number;
}

/** When a lockout ends, in the console's own UTC notation. */
const until = (iso: string | undefined) =>
  iso ? `${new Date(iso).toISOString().replace('T', ' ').slice(0, 16)} UTC` : 'later';

/** A refused sign-in or step-up in words for the person at the console. */
export function describeRefusal(r: Refusal): string {
  switch (r.kind) {
    case 'locked':
      return `This operator is locked after too many wrong passwords until ${until(r.lockedUntil)}. An administrator can unlock it sooner.`;
    case 'disabled':
      return 'This operator is disabled. An administrator can enable it again.';
    case 'address':
      return 'Signing in from this address is not allowed for this operator. Ask an administrator about the allowed addresses.';
    case 'credentials':
      return r.triesLeft !== undefined
        ? `Wrong password: ${r.triesLeft} ${r.triesLeft === 1 ? 'try' : 'tries'} left before this operator is locked.`
        : 'The username or password is wrong.';
    default:
      return r.reason || 'The username or password is wrong.';
  }
}

/**
 * Approve, execute, retry and credential changes need a recent password confirmation. The call is
 * tried; on STEP_UP_REQUIRED the operator is asked for their password (a dialog), and the call is
 * sent again with the same command id (applied at most once). A wrong password keeps the dialog
 * open with the error and the tries left; a lockout closes it and the console returns to sign-in,
 * saying until when.
 */
export async function callWithStepUp<N extends CallName>(
  name: N,
  payload: CallInput<N>,
  options: CallOptions = {},
): Promise<CallOutput<N>> {
  const id = options.id ?? crypto.randomUUID();
  try {
    return await call(name, payload, { ...options, id });
  } catch (error) {
    if (!(error instanceof CallFailed) || error.code !== 'STEP_UP_REQUIRED') throw error;
    await confirmPassword(error);
    return call(name, payload, { ...options, id });
  }
}

/** Asks for the password until it is confirmed; throws when cancelled, locked out or signed out. */
async function confirmPassword(asked: CallFailed): Promise<void> {
  const state = useConsole.getState();
  let problem: string | null = null;
  try {
    for (;;) {
      const password = await state.askPassword(asked.message, problem);
      if (password === null) throw asked;
      // Through `call`: a session already over (UNAUTHENTICATED) returns the console to sign-in.
      const stepped = (await call('session.stepUp', { password })) as { ok: true } | Refusal;
      if (stepped.ok) return;
      if (stepped.kind === 'locked') {
        state.sessionEnded(describeRefusal(stepped));
        throw new CallFailed({
          code: 'UNAUTHENTICATED',
          kind: 'user',
          message: describeRefusal(stepped),
          problems: [],
        });
      }
      problem = describeRefusal(stepped);
    }
  } finally {
    useConsole.getState().closePassword();
  }
}

export interface Loaded<T> {
  data: T | undefined;
  /**
   * When the request that brought `data` was sent (epoch ms; 0 before any): an answer asked for
   * before some event (an execution's end) may not show that event's outcome yet.
   */
  askedAt: number;
  error: CallFailed | null;
  loading: boolean;
  reload(): void;
}

/**
 * Runs a query when its payload changes (compared as JSON) and on reload(); the last answer wins.
 * With `refreshMs` it is asked again on that interval; those repeats are background calls (not the
 * operator's activity: an open view does not keep the session alive), while the first load, a
 * changed payload and reload() are the operator's own.
 */
export function useQuery<N extends CallName>(
  name: N,
  payload: CallInput<N> | null,
  refreshMs?: number,
): Loaded<CallOutput<N>> {
  const [state, setState] = useState<{
    data: CallOutput<N> | undefined;
    askedAt: number;
    error: CallFailed | null;
    loading: boolean;
  }>({ data: undefined, askedAt: 0, error: null, loading: payload !== null });
  const [tick, setTick] = useState(0);
  const key = JSON.stringify(payload);
  // A new request (name, payload or tick) is loading from the render that asks for it: adjusted
  // while rendering, as React does with information from previous renders, not in the effect.
  const request = JSON.stringify([name, key, tick]);
  const [asked, setAsked] = useState(request);
  if (asked !== request) {
    setAsked(request);
    if (payload !== null) setState((s) => (s.loading ? s : { ...s, loading: true }));
  }
  const latest = useRef(0);
  // Whether the last tick came from the refresh interval (not from reload()).
  const byTimer = useRef(false);
  const lastAsked = useRef<string | null>(null);
  useEffect(() => {
    if (payload === null) return;
    const mine = ++latest.current;
    const askedAt = Date.now();
    const same = lastAsked.current === JSON.stringify([name, key]);
    const background = byTimer.current && same;
    byTimer.current = false;
    lastAsked.current = JSON.stringify([name, key]);
    call(name, payload, background ? { background } : undefined)
      .then(
        (data) =>
          mine === latest.current && setState({ data, askedAt, error: null, loading: false }),
      )
      .catch(
        (error: unknown) =>
          mine === latest.current &&
          setState((s) => ({
            data: s.data,
            askedAt: s.askedAt,
            error:
              error instanceof CallFailed
                ? error
                : new CallFailed({
                    code: 'INTERNAL',
                    kind: 'internal',
                    message: String(error),
                    problems: [],
                  }),
            loading: false,
          })),
      );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [name, key, tick]);
  useEffect(() => {
    if (!refreshMs) return;
    const t = setInterval(() => {
      byTimer.current = true;
      setTick((n) => n + 1);
    }, refreshMs);
    return () => clearInterval(t);
  }, [refreshMs]);
  const reload = useCallback(() => {
    byTimer.current = false;
    setTick((n) => n + 1);
  }, []);
  return { ...state, reload };
}

/**
 * A human sentence for an error, with the fields the router named. A refused input names each
 * field in words ("Hold days must be a number — it was text"), not by its key in the payload.
 */
export function describeError(error: unknown): string {
  return permissionsInWords(describeRaw(error));
}

/**
 * The core's refusals name a permission by its key, for the CLI and the audit log ("lacks the
 * permission batches.execute needed for batch.execute"); the console says what it allows.
 */
function permissionsInWords(message: string): string {
  return message
    .replace(/ needed for [a-z]+(?:\.[a-zA-Z]+)+/g, '')
    .replace(/\bthe permission ([a-z]+\.[a-z_]+)/g, (_, key: string) =>
      permissionInWords(key) === key
        ? `the permission ${key}`
        : `permission to ${permissionInWords(key)}`,
    );
}

function describeRaw(error: unknown): string {
  if (error instanceof CallFailed && error.code === 'VALIDATION') {
    const named = error.error.problems.filter((p) => p.path && !p.file);
    if (named.length > 0 && named.length === error.error.problems.length)
      return `Not accepted: ${named
        .map((p) => (p.path === '(payload)' ? p.message : problemInWords(p.path!, p.message)))
        .join('; ')}`;
  }
  if (error instanceof CallFailed) {
    const where = error.error.problems
      .map(
        (p) =>
          [p.file, p.line, p.field ?? p.path].filter(Boolean).join(':') +
          (p.message ? ` ${p.message}` : ''),
      )
      .filter(Boolean);
    return where.length > 0 && !error.message.includes(where[0]!)
      ? `${error.message} (${where.join('; ')})`
      : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
