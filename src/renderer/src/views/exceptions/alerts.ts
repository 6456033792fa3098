/**
 * New exceptions reach a person even when they are not looking at the console: it asks the queue's
 * figures (`exceptions.list`, one row) every 30 s and as soon as an execution started here ends,
 * and when more payouts need a person than last seen — or a newer one appeared — it says so once: a
 * notice in the console and a desktop notification (the standard Notification API: Electron's
 * native notifications in its window, the browser's in the browser host).
 *
 * "Last seen" is kept per operator (and data dir) in localStorage, so a reload or the next day's
 * sign-in does not announce the same exceptions again. The permission is asked only from a user
 * gesture: the sign-in (first time, while the browser has not been asked) or the dashboard's
 * "Turn on desktop alerts" — browsers ignore or block a request made out of the blue.
 */
import { useEffect } from 'react';
import { create } from 'zustand';
import { call } from '../../api';
import { count } from '../../format';
import { gate, useConsole } from '../../store';
import { useExecutions } from '../batch/executions';
import { kindsText, type ExceptionsPage } from './kinds';

export const POLL_MS = 30_000;

export type Permission = NotificationPermission | 'unsupported';

export interface Figures {
  total: number;
  byKind: ExceptionsPage['byKind'];
  newest: string | null;
}

interface Alerts {
  figures: Figures | null;
  permission: Permission;
  poll(): Promise<void>;
  /** From a click: asks the browser (or Electron) to allow desktop notifications. */
  enableDesktop(): Promise<Permission>;
  reset(): void;
}

const supported = () => typeof Notification !== 'undefined';
const permissionNow = (): Permission => (supported() ? Notification.permission : 'unsupported');

let polling: Promise<void> | null = null;
let again = false;

export const useAlerts = create<Alerts>((set) => ({
  figures: null,
  permission: permissionNow(),
  poll() {
    // One question at a time. One asked while another is out is asked again after it: the one out
    // may have been read before the execution whose end prompted this one.
    if (polling) {
      again = true;
      return polling;
    }
    polling = askQueue(set).finally(() => {
      polling = null;
      if (again) {
        again = false;
        void useAlerts.getState().poll();
      }
    });
    return polling;
  },
  async enableDesktop() {
    if (!supported()) return 'unsupported';
    const permission = await Notification.requestPermission();
    set({ permission });
    return permission;
  },
  reset: () => set({ figures: null, permission: permissionNow() }),
}));

async function askQueue(set: (s: Partial<Alerts>) => void): Promise<void> {
  const { manifest, host } = useConsole.getState();
  if (!manifest || !gate({ manifest, host }, 'exceptions.list').allowed) return;
  let page: ExceptionsPage;
  try {
    // In the background: the alerts ask by themselves, which is not the operator's activity (a
    // console left open still signs out after 30 minutes).
    page = await call('exceptions.list', { limit: 1 }, { background: true });
  } catch {
    return; // offline (the queue needs the central store) or refused: the next poll asks again
  }
  const figures = { total: page.total, byKind: page.byKind, newest: page.newest };
  set({ figures, permission: permissionNow() });
  if (rose(seenKey(manifest.operator.username, host?.dataDir), figures)) announce(figures);
}

const seenKey = (username: string, dataDir: string | undefined) =>
  `treasury:exceptions-seen:${dataDir ?? ''}:${username}`;

/** Whether the queue grew (or a newer exception came) since last seen; records what is seen now. */
function rose(key: string, now: Figures): boolean {
  const seen = readSeen(key);
  localStorage.setItem(key, JSON.stringify({ total: now.total, newest: now.newest }));
  if (now.total === 0) return false;
  // ISO instants from the same source compare as text.
  return (
    now.total > (seen?.total ?? 0) || (!!now.newest && (!seen?.newest || now.newest > seen.newest))
  );
}

function readSeen(key: string): { total: number; newest: string | null } | null {
  try {
    return JSON.parse(localStorage.getItem(key) ?? 'null') as {
      total: number;
      newest: string | null;
    } | null;
  } catch {
    return null; // unreadable: as if nothing was seen
  }
}

export function headline(total: number): string {
  return `${count(total)} payout${total === 1 ? ' needs' : 's need'} a person`;
}

function announce(f: Figures): void {
  const details = kindsText(f.byKind);
  useConsole
    .getState()
    .notify('info', `${headline(f.total)}: ${details}. Open Exceptions to deal with them.`);
  if (!supported() || Notification.permission !== 'granted') return;
  try {
    // One tag: a newer alert replaces the older one in the notification centre instead of piling
    // up.
    const n = new Notification(`Treasury Console: ${headline(f.total)}`, {
      body: `${details}. Click to open the exception queue.`,
      tag: 'treasury-exceptions',
    });
    n.onclick = () => {
      window.focus();
      useConsole.getState().go('exceptions');
      n.close();
    };
  } catch {
    // A platform without notification support at all (some Linux desktops): the notice above says
    // it.
  }
}

/**
 * Asks once per operator, at their first sign-in here, while nobody has answered the browser yet.
 */
export function askOnFirstSignIn(username: string): void {
  if (!supported() || Notification.permission !== 'default') return;
  const key = `treasury:alerts-asked:${username}`;
  if (localStorage.getItem(key)) return;
  localStorage.setItem(key, new Date().toISOString());
  void useAlerts.getState().enableDesktop();
}

/**
 * Mounted once while someone is signed in: the interval, and the question after each execution's
 * end.
 */
export function useExceptionPolling(username: string | null): void {
  useEffect(() => {
    if (!username) return;
    const poll = () => void useAlerts.getState().poll();
    poll();
    const timer = setInterval(poll, POLL_MS);
    // After an execution here ends, at once: its failures are the likeliest new exceptions.
    const stop = useExecutions.subscribe((s, before) => {
      if (
        Object.entries(s.byBatch).some(([id, e]) => e.finishedAt && !before.byBatch[id]?.finishedAt)
      )
        poll();
    });
    return () => {
      clearInterval(timer);
      stop();
      useAlerts.getState().reset();
    };
  }, [username]);
}
