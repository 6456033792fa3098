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

/** Calls the router; throws CallFailed with the router's error when it refuses. */
export async function call<N extends CallName>(
  name: N,
  payload: CallInput<N>,
  options?: CallOptions,
): Promise<CallOutput<N>> {
  const result = await window.treasury.call(name, payload, options);
  if (!result.ok) {
    if (result.error.code === 'UNAUTHENTICATED' && name !== 'session.signIn')
      useConsole.getState().sessionEnded(result.error.message);
    throw new CallFailed(result.error);
  }
  return result.value as CallOutput<N>;
}

/**
 * Approve, execute, retry and credential changes need a recent password confirmation. The call is
 * tried; on STEP_UP_REQUIRED the operator is asked for their password (a dialog), and the call is
 * sent again with the same command id (applied at most once).
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
    for (;;) {
      const password = await useConsole.getState().askPassword(error.message);
      if (password === null) throw error;
      const stepped = await window.treasury.call('session.stepUp', { password });
      if (stepped.ok && (stepped.value as { ok?: boolean }).ok !== false) break;
    }
    return call(name, payload, { ...options, id });
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
  useEffect(() => {
    if (payload === null) return;
    const mine = ++latest.current;
    const askedAt = Date.now();
    call(name, payload)
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
    const t = setInterval(() => setTick((n) => n + 1), refreshMs);
    return () => clearInterval(t);
  }, [refreshMs]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

/** A human sentence for an error, with the fields the router named. */
export function describeError(error: unknown): string {
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
