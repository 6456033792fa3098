/**
 * Electron hardening, checked without an Electron binary: Electronegativity over the main process,
 * preload and renderer reports nothing above low (what it asks to review is reviewed in a comment
 * it reads), the window's web preferences are locked down, the page's CSP and the header CSP are
 * the same strict policy, and the bridge accepts only { name, payload }.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bridgeCallSchema } from '../../../src/core/host/bridge/envelope.js';

const root = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
const RUNNER = root('tools/electronegativity/run.cjs');
const main = readFileSync(root('src/main/index.ts'), 'utf8');
/** The code without its layout (the formatter's line breaks and trailing commas), for matching calls. */
const squeeze = (code: string) => code.replace(/\s+/g, '').replace(/,\)/g, ')');

describe('Electron hardening', () => {
  it('Electronegativity finds nothing above low', () => {
    expect(
      existsSync(root('tools/electronegativity/node_modules/@doyensec/electronegativity')),
      'Electronegativity is installed by `npm install` (postinstall): run it again',
    ).toBe(true);
    const out = execFileSync(process.execPath, [RUNNER, root('src')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 120_000,
    });
    const report = JSON.parse(out.trim().split('\n').at(-1)!) as {
      errors: number;
      issues: { id: string; severity: string; file: string; line: number }[];
    };
    expect(report.errors).toBe(0);
    const aboveLow = report.issues.filter((i) => !['LOW', 'INFORMATIONAL'].includes(i.severity));
    expect(aboveLow, JSON.stringify(aboveLow)).toEqual([]);
    console.info(
      `[electronegativity] ${report.issues.length} finding(s), none above low: ${report.issues.map((i) => `${i.id} ${i.severity} ${i.file}:${i.line}`).join('; ')}`,
    );
  }, 180_000);

  it('the window is locked down', () => {
    for (const setting of [
      'contextIsolation: true',
      'sandbox: true',
      'nodeIntegration: false',
      'webSecurity: true',
      'webviewTag: false',
      "disableBlinkFeatures: 'Auxclick'",
    ])
      expect(main, setting).toContain(setting);
    expect(main).toContain("setWindowOpenHandler(() => ({ action: 'deny' }))");
    expect(main).toContain("on('will-navigate', (event) => event.preventDefault())");
    // Every permission denied but desktop notifications, and those only for our own pages.
    expect(squeeze(main)).toContain(
      squeeze(
        "setPermissionRequestHandler((_wc, permission, callback, details) => callback(permission === 'notifications' && ownPage(details.requestingUrl)))",
      ),
    );
    expect(squeeze(main)).toContain(
      squeeze(
        "setPermissionCheckHandler((_wc, permission, origin) => permission === 'notifications' && ownPage(origin))",
      ),
    );
    expect(main).not.toMatch(/openExternal|loadURL\(['"]https?:/);
  });

  it('the page and the header carry the same strict CSP', () => {
    // Both hosts send the one constant (src/core/host/bridge/csp.ts) as a header; the page has it
    // as a meta tag.
    expect(main).toContain("'Content-Security-Policy': [CONTENT_SECURITY_POLICY]");
    expect(readFileSync(root('src/browser-host/server.ts'), 'utf8')).toContain(
      'BROWSER_CSP = CONTENT_SECURITY_POLICY',
    );
    const header = /CONTENT_SECURITY_POLICY =\s*"([^"]+)"/.exec(
      readFileSync(root('src/core/host/bridge/csp.ts'), 'utf8'),
    )?.[1];
    const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(
      readFileSync(root('src/renderer/index.html'), 'utf8'),
    )?.[1];
    expect(header).toBeDefined();
    expect(meta).toBe(header);
    expect(header).toMatch(/^default-src 'none';/);
    expect(header).not.toMatch(/unsafe-eval|https?:|\*/);
    expect(header).toContain("script-src 'self'");
  });

  it('the bridge takes a name and a payload, nothing else', () => {
    expect(bridgeCallSchema.safeParse({ name: 'batch.list', payload: {} }).success).toBe(true);
    for (const bad of [
      { name: 'batch.list', payload: {}, session: 'x' },
      { name: '../etc', payload: {} },
      { payload: {} },
      'batch.list',
      null,
    ]) {
      expect(bridgeCallSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
