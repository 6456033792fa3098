/**
 * Keyboard shortcuts, for operators who live in the console all day: "/" to the page's search,
 * "g" then a letter to a view, "[" to collapse or open the sidebar, "?" for the list of them all,
 * Esc to close the list or a drawer. They never fire while the operator types (an input, a select,
 * a text area, anything editable) or holds Ctrl, Alt or Meta, so they cannot steal a keystroke
 * meant for a field or for the browser.
 */
import {
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent as ReactKeyboardEvent,
} from 'react';
import { gate, useConsole } from '../store';
import { NAV } from './navigation';

/** How long after "g" the second key counts. */
const SEQUENCE_MS = 1500;

export const SHORTCUTS: { keys: string; does: string }[] = [
  { keys: '/', does: "Search on this page (the page's search box)" },
  ...NAV.map((n) => ({ keys: `g ${n.key}`, does: `Go to ${n.label}` })),
  { keys: '[', does: 'Collapse or open the sidebar' },
  { keys: '?', does: 'Show these shortcuts' },
  { keys: 'Esc', does: 'Close this list, a drawer or a dialog' },
];

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  return target.closest('input, textarea, select, [contenteditable="true"]') !== null;
}

/** The page's search box, if it has one (the first visible search input in <main>). */
function pageSearch(): HTMLInputElement | null {
  const boxes = document.querySelectorAll<HTMLInputElement>('main input[type="search"]');
  return [...boxes].find((b) => b.offsetParent !== null && !b.disabled) ?? null;
}

export function useShortcuts({ onHelp, onSidebar }: { onHelp(): void; onSidebar(): void }): void {
  const handlers = useRef({ onHelp, onSidebar });
  useLayoutEffect(() => {
    handlers.current = { onHelp, onSidebar };
  });
  useEffect(() => {
    let pendingG = 0;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'Escape') {
        // A drawer or dialog with the focus inside closes itself; from elsewhere, the topmost
        // drawer closes (its own close button, so it runs the drawer's own onClose).
        if (e.target instanceof HTMLElement && e.target.closest('[role="dialog"]')) return;
        const drawers = document.querySelectorAll<HTMLElement>('.drawer');
        const last = drawers[drawers.length - 1];
        last?.querySelector<HTMLButtonElement>('header button[aria-label="Close"]')?.click();
        return;
      }
      if (typing(e.target)) return;
      const state = useConsole.getState();
      if (!state.manifest || state.prompt) return;
      if (pendingG && Date.now() - pendingG < SEQUENCE_MS) {
        pendingG = 0;
        const to = NAV.find((n) => n.key === e.key.toLowerCase());
        if (to && (!to.needs || gate(state, to.needs).allowed)) {
          e.preventDefault();
          state.go(to.id);
        }
        return;
      }
      pendingG = 0;
      if (e.key === 'g') {
        pendingG = Date.now();
      } else if (e.key === '/') {
        const box = pageSearch();
        if (box) {
          e.preventDefault();
          box.focus();
          box.select();
        }
      } else if (e.key === '?') {
        e.preventDefault();
        handlers.current.onHelp();
      } else if (e.key === '[') {
        e.preventDefault();
        handlers.current.onSidebar();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}

/** The list of shortcuts: a modal dialog that keeps the focus until closed (Esc, or Close). */
export function ShortcutHelp({ onClose }: { onClose(): void }) {
  const dialog = useRef<HTMLDivElement>(null);
  const [opener] = useState(() => document.activeElement);
  useEffect(() => {
    dialog.current?.querySelector<HTMLElement>('button')?.focus();
    // Back to where the operator was.
    return () => {
      if (opener instanceof HTMLElement) opener.focus();
    };
  }, [opener]);
  const onKeyDown = (e: ReactKeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onClose();
      return;
    }
    if (e.key !== 'Tab' || !dialog.current) return;
    // The focus stays in the dialog: Tab past the last control comes back to the first.
    const focusable = [
      ...dialog.current.querySelectorAll<HTMLElement>('button, [href], [tabindex="0"]'),
    ];
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (!first || !last) return;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };
  return (
    <div className="modal-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={dialog}
        className="modal shortcut-help"
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcut-help-title"
        data-testid="shortcut-help"
        onKeyDown={onKeyDown}
      >
        <h2 id="shortcut-help-title">Keyboard shortcuts</h2>
        <p className="muted small">
          Not while typing in a field. &quot;g&quot; then a letter: press them one after the other.
        </p>
        <div className="shortcut-list" tabIndex={0} aria-label="Shortcuts">
          <table className="facts compact">
            <tbody>
              {SHORTCUTS.map((s) => (
                <tr key={s.keys}>
                  <th scope="row">
                    {s.keys.split(' ').map((k) => (
                      <kbd key={k}>{k}</kbd>
                    ))}
                  </th>
                  <td>{s.does}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="row">
          <button type="button" className="btn" onClick={onClose} data-testid="shortcut-help-close">
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
