/**
 * The window's title names the view ("Payables — Treasury Console"): a browser tab, the task
 * switcher and a screen reader's window list tell one view from another.
 */
import { useEffect } from 'react';

export const PRODUCT = 'Treasury Console';

export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} — ${PRODUCT}` : PRODUCT;
  }, [title]);
}
