/**
 * Light or dark: the operator's choice (System, Light, Dark), remembered per workstation in the
 * renderer's localStorage — a look, not a setting of the treasury, so it needs no call, no audit
 * and no permission. "System" follows the OS (`prefers-color-scheme`) and changes with it.
 *
 * The resolved scheme is written on <html data-theme="light|dark"> before anyone is told: every
 * colour is a CSS variable (styles.css), so the page, the grids (gridTheme reads the variables) and
 * the charts (they read them when drawn, as canvas cannot) all follow from that one attribute.
 */
import { useSyncExternalStore } from 'react';

export type ThemeChoice = 'system' | 'light' | 'dark';
type ColorScheme = 'light' | 'dark';

export const THEME_CHOICES: { id: ThemeChoice; label: string }[] = [
  { id: 'system', label: 'System' },
  { id: 'light', label: 'Light' },
  { id: 'dark', label: 'Dark' },
];

const KEY = 'treasury.theme';
const listeners = new Set<() => void>();
const media = window.matchMedia('(prefers-color-scheme: dark)');

function stored(): ThemeChoice {
  try {
    const v = window.localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    // Storage refused (a locked-down profile): the OS decides.
    return 'system';
  }
}

let choice: ThemeChoice = stored();
let scheme: ColorScheme = resolve();

function resolve(): ColorScheme {
  if (choice !== 'system') return choice;
  return media.matches ? 'dark' : 'light';
}

function apply(): void {
  scheme = resolve();
  document.documentElement.dataset.theme = scheme;
  listeners.forEach((l) => l());
}

media.addEventListener('change', apply);
apply();

export function setThemeChoice(next: ThemeChoice): void {
  choice = next;
  try {
    if (next === 'system') window.localStorage.removeItem(KEY);
    else window.localStorage.setItem(KEY, next);
  } catch {
    // Not remembered, still applied for this page.
  }
  apply();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The operator's choice (what the toggle shows). */
export function useThemeChoice(): ThemeChoice {
  return useSyncExternalStore(subscribe, () => choice);
}
