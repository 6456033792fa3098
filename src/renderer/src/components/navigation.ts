/**
 * The console's views as the sidebar lists them: label, the call a view needs (a view the operator
 * may not use is disabled, saying why), the letters the collapsed sidebar shows, and the key that
 * goes there after "g" (keyboard shortcuts, components/Shortcuts.tsx).
 */
import type { ViewId } from '../store';

export interface NavItem {
  id: ViewId;
  label: string;
  needs?: string;
  /** Shown instead of the label when the sidebar is collapsed. */
  short: string;
  /** "g" then this key goes to the view. */
  key: string;
}

export const NAV: NavItem[] = [
  { id: 'dashboard', label: 'Dashboard', short: 'Db', key: 'd' },
  { id: 'import', label: 'Import', needs: 'conversions.import', short: 'Im', key: 'i' },
  { id: 'payables', label: 'Payables', short: 'Pa', key: 'p' },
  { id: 'builder', label: 'Batch builder', short: 'Bu', key: 'n' },
  { id: 'batches', label: 'Batches', short: 'Ba', key: 'b' },
  { id: 'payouts', label: 'Payout history', short: 'Ph', key: 'h' },
  { id: 'exceptions', label: 'Exceptions', short: 'Ex', key: 'e' },
  { id: 'reconciliation', label: 'Reconciliation', short: 'Rc', key: 'c' },
  { id: 'reports', label: 'Reports', short: 'Rp', key: 'r' },
  { id: 'audit', label: 'Audit log', short: 'Au', key: 'a' },
  { id: 'security', label: 'Security events', short: 'Se', key: 's' },
  { id: 'operators', label: 'Operators & roles', short: 'Op', key: 'o' },
  { id: 'outbox', label: 'Outbox', short: 'Ob', key: 'x' },
  { id: 'settings', label: 'Settings', short: 'St', key: 't' },
];
