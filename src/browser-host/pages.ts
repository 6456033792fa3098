/**
 * The browser host's own pages, for a browser that is not (or no longer) let in: a used or expired
 * link, a browser restarted (its session cookie gone), an idle session ended. Each says in plain
 * words how to get in again — never raw JSON.
 */
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1d2430}
@media (prefers-color-scheme:dark){body{background:#12161c;color:#e3e8ef}code{background:#222a35}}
code{background:#eef1f5;padding:.1rem .3rem;border-radius:3px}h1{font-size:1.4rem}`;

export type GetInReason = 'used-link' | 'no-session';

const HEADLINE: Record<GetInReason, string> = {
  'used-link': 'This sign-in link was already used or has expired',
  'no-session': 'This browser is not signed in to the console host',
};

const WHY: Record<GetInReason, string> = {
  'used-link':
    'Each link opens the console once, in one browser, within 15 minutes of being printed.',
  'no-session':
    'The browser session ended: the browser was restarted, it was unused for a long time, or the host was restarted.',
};

/** How to get in: a new link from the terminal where the host runs, or from the CLI. */
export function getInPage(reason: GetInReason, dataDir: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Treasury Console — sign-in link needed</title><style>${STYLE}</style></head><body>
<h1>${HEADLINE[reason]}</h1>
<p>${WHY[reason]} To open the console, get a new link:</p>
<ul>
<li>in the terminal where the console runs (<code>npm start</code> or <code>npm run start:browser</code>), press <strong>Enter</strong>: it prints a new link;</li>
<li>or run <code>npx treasury console link</code> (with the same data dir: <code>${escape(dataDir)}</code>).</li>
</ul>
<p>Then open that link in this browser. Other tabs of a browser that is signed in share its session.</p>
</body></html>`;
}

/** Served when the console has not been built. */
export const NOT_BUILT_PAGE =
  '<!doctype html><title>Treasury Console</title><script src="/bridge.js"></script><p>The console is not built yet: run <code>npm run build</code>, then start the host again.</p>';
