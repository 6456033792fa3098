/**
 * The console's one Content-Security-Policy, for both hosts: Electron sends it as a header on
 * everything it loads, the browser host on every response, and src/renderer/index.html carries it
 * as a meta tag (test/hosts/electron/electron-security.test.ts checks that they agree). No remote content, no
 * eval, no inline script; the WebSocket and fetches only to the page's own origin.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";
