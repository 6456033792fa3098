/**
 * `npm start` on a machine without the Electron runtime (and without the internet access to fetch
 * it — its mirror points at a closed port here, so the real installer really fails): it says in one
 * line what it does and why, serves the console through the browser host on an empty data dir,
 * prints a one-time link whose page is the console's HTML, offers first-run setup, and stops
 * with exit 0 on Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/central.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const hasElectron = existsSync(path.join(ROOT, 'node_modules/electron/path.txt'));

describe.skipIf(hasElectron)('npm start without the Electron runtime', () => {
  const data = tempDir('treasury-start-');
  afterAll(() => data.remove());

  it('falls back to the browser host: one line why, a link within the budget, the console at the link, exit 0 on Ctrl-C', async () => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env))
      if (!k.startsWith('TREASURY_') && k !== 'DISPLAY' && k !== 'WAYLAND_DISPLAY') env[k] = v;
    Object.assign(env, {
      TREASURY_DATA_DIR: path.join(data.dir, 'data'),
      TREASURY_CREDENTIAL_STORE: 'vault',
      ELECTRON_MIRROR: 'http://127.0.0.1:9/',
      ELECTRON_GET_USE_PROXY: '',
    });
    const child = spawn(process.execPath, ['scripts/start.mjs'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    const started = Date.now();
    try {
      while (!/http:\/\/127\.0\.0\.1:\d+\/\?t=\S+/.test(stdout)) {
        if (child.exitCode !== null)
          throw new Error(
            `npm start ended (${child.exitCode}) before printing a link:\n${stdout}\n${stderr}`,
          );
        if (Date.now() - started > 240_000)
          throw new Error(`no link after 240 s:\n${stdout}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      console.info(`[start] link printed after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      expect(stdout).toMatch(
        /^Electron could not be downloaded \(.+\): serving the same console in your browser instead\.$/m,
      );
      const link = /http:\/\/127\.0\.0\.1:\d+\/\?t=\S+/.exec(stdout)![0];
      const first = await fetch(link, { redirect: 'manual' });
      expect(first.status).toBe(303);
      const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
      const page = await fetch(new URL('/', link), { headers: { cookie } });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<title>Treasury Console</title>');
      expect(html).toContain('/bridge.js');
      // An empty data dir: the page offers first-run setup.
      const status = await fetch(new URL('/bridge/call', link), {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'setup.status', payload: {} }),
      });
      expect(await status.json()).toEqual({ ok: true, value: { initialised: false } });
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  }, 300_000);
});
