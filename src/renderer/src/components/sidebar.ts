/**
 * Whether the sidebar is collapsed to its short labels. Below 1100 px it starts collapsed (the
 * grids need the width); above, open. The operator's toggle is remembered per width class on this
 * workstation (localStorage), so collapsing it on a laptop does not collapse it on the wide screen.
 */
import { useCallback, useSyncExternalStore } from 'react';

const NARROW = window.matchMedia('(max-width: 1099px)');
const KEY = { narrow: 'treasury.sidebar.narrow', wide: 'treasury.sidebar.wide' };

const listeners = new Set<() => void>();
NARROW.addEventListener('change', () => listeners.forEach((l) => l()));

function read(key: string): boolean | null {
  try {
    const v = window.localStorage.getItem(key);
    return v === 'collapsed' ? true : v === 'open' ? false : null;
  } catch {
    return null;
  }
}

function collapsed(): boolean {
  const narrow = NARROW.matches;
  return read(narrow ? KEY.narrow : KEY.wide) ?? narrow;
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function useSidebar(): { collapsed: boolean; toggle(): void } {
  const value = useSyncExternalStore(subscribe, collapsed);
  const toggle = useCallback(() => {
    try {
      window.localStorage.setItem(
        NARROW.matches ? KEY.narrow : KEY.wide,
        collapsed() ? 'open' : 'collapsed',
      );
    } catch {
      // Not remembered; the toggle below still applies for this page.
    }
    listeners.forEach((l) => l());
  }, []);
  return { collapsed: value, toggle };
}
