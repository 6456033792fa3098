/**
 * The newest `limit` audit entries, and "load newer": audit.tail after the newest held sequence
 * number, appended (and trimmed back to the limit). Sequence order is commit order, so reading on
 * after the newest held never skips an entry.
 */
import { useCallback, useEffect, useState } from 'react';
import { call, describeError } from '../../api';
import type { CallOutput } from '../../../../core/host/bridge/contract';
import { useConsole } from '../../store';

export type AuditEntry = CallOutput<'audit.tail'>[number];

export function useAuditTail(limit: number) {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  // A new limit is read again from the first render that asks for it (adjusted while rendering).
  const [readFor, setReadFor] = useState(limit);
  if (!Object.is(readFor, limit)) {
    setReadFor(limit);
    setLoading(true);
  }

  useEffect(() => {
    let stale = false;
    call('audit.tail', { limit })
      .then((e) => !stale && (setEntries(e), setError(null)))
      .catch((err: unknown) => !stale && setError(describeError(err)))
      .finally(() => !stale && setLoading(false));
    return () => {
      stale = true;
    };
  }, [limit]);

  const loadNewer = useCallback(() => {
    const newest = entries.at(-1)?.seq;
    setLoading(true);
    call('audit.tail', newest ? { afterSeq: newest, limit } : { limit })
      .then((fresh) => {
        setEntries((e) => [...e, ...fresh].slice(-limit));
        useConsole
          .getState()
          .notify(
            'info',
            fresh.length === 0
              ? 'No newer entries'
              : `${fresh.length.toLocaleString('en-US')} newer entries`,
          );
      })
      .catch((err: unknown) => setError(describeError(err)))
      .finally(() => setLoading(false));
  }, [entries, limit]);

  return { entries, error, loading, loadNewer };
}
