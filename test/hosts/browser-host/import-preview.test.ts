/**
 * The import screen's way through the browser host: an uploaded file is checked without storing
 * anything (the dry run) and kept in transit under a handle — only when it has no problems — until
 * importPicked imports it (all or nothing) or dropPicked lets it go; a handle works once, and the
 * page never learns a path.
 */
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHost, type BrowserHost } from '../../../src/browser-host/server.js';
import {
  openWorkstationThread,
  type WorkstationDoor,
} from '../../../src/core/host/workstation/thread/door.js';
import { tempDir } from '../../support/central.js';
import { ADMIN_PASSWORD, memoryCredentials } from '../../support/workstation.js';

const HEADER =
  'id,name,email,country,currency,provider,channel_code,account_number,account_holder_name,status';
const GOOD = `${HEADER}\np-1,Ayu,ayu@example.com,ID,IDR,,,,,active\np-2,Budi,budi@example.com,ID,IDR,,,,,active\n`;
const BAD = `${HEADER}\np-3,Citra,not-an-email,ID,IDR,,,,,active\np-4,,dewi@example.com,XX1,IDR,,,,,active\n`;

interface Answer {
  ok: boolean;
  value?: any;
  error?: { code: string; message: string };
}

describe('browser host: checking an import, then importing the checked file', () => {
  let dir: { dir: string; remove(): void };
  let door: WorkstationDoor;
  let host: BrowserHost;
  let cookie = '';
  const base = () => `http://127.0.0.1:${host.port}`;
  const transit = () => readdirSync(path.join(dir.dir, 'transit'));

  const send = (url: string, body: string, type: string) =>
    new Promise<Answer>((resolve, reject) => {
      const req = request(
        `${base()}${url}`,
        { method: 'POST', headers: { cookie, origin: base(), 'content-type': type } },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (d: string) => (text += d));
          res.on('end', () => resolve(JSON.parse(text) as Answer));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const post = (url: string, body: unknown) => send(url, JSON.stringify(body), 'application/json');
  const preview = (fileName: string, csv: string) =>
    send(
      `/bridge/import?name=affiliates.import&preview=1&fileName=${fileName}`,
      csv,
      'application/octet-stream',
    );
  const stored = async (id: string) =>
    (await post('/bridge/call', { name: 'affiliate.detail', payload: { affiliateId: id } })).ok;

  beforeAll(async () => {
    dir = tempDir();
    door = await openWorkstationThread({ dataDir: dir.dir, credentials: memoryCredentials() });
    host = await startBrowserHost({ workstation: door, controlFile: false });
    cookie = await new Promise<string>((resolve, reject) =>
      request(host.url, (res) => {
        res.resume();
        resolve(String(res.headers['set-cookie']).split(';')[0]!);
      })
        .on('error', reject)
        .end(),
    );
    for (const [name, payload] of [
      ['operators.bootstrap', { username: 'admin', password: ADMIN_PASSWORD }],
      ['session.signIn', { username: 'admin', password: ADMIN_PASSWORD }],
    ] as const)
      expect(await post('/bridge/call', { name, payload })).toMatchObject({ ok: true });
  }, 120_000);
  afterAll(async () => {
    await host?.close();
    await door?.close();
    dir?.remove();
  });

  it('a file with problems: every one listed, nothing kept, nothing stored', async () => {
    const r = await preview('bad.csv', BAD);
    expect(r.ok).toBe(true);
    expect(r.value).toMatchObject({ picked: null, name: 'affiliates.import' });
    expect(r.value.preview).toMatchObject({ dryRun: true, file: 'bad.csv', rows: 2 });
    expect(
      (r.value.preview.problems as { line: number; field: string }[]).map(
        (p) => `${p.line} ${p.field}`,
      ),
    ).toEqual(['2 email', '3 name', '3 country']);
    expect(transit()).toEqual([]);
    expect(await stored('p-3')).toBe(false);
  });

  it('a good file is kept under a handle, imported once, then gone from transit', async () => {
    const r = await preview('good.csv', GOOD);
    expect(r.value).toMatchObject({
      picked: expect.stringMatching(/^[0-9a-f-]{36}$/),
      preview: { rows: 2, inserted: 2, updated: 0, unchanged: 0, problemCount: 0 },
    });
    expect(JSON.stringify(r.value)).not.toContain(dir.dir); // no path reaches the page
    expect(transit()).toHaveLength(1);
    expect(await stored('p-1')).toBe(false); // checked, not stored

    const imported = await post('/bridge/import-picked', { picked: r.value.picked });
    expect(imported).toMatchObject({ ok: true, value: { file: 'good.csv', rows: 2, inserted: 2 } });
    expect(await stored('p-1')).toBe(true);
    expect(transit()).toEqual([]);
    const again = await post('/bridge/import-picked', { picked: r.value.picked });
    expect(again).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('a dropped file is gone; a made-up handle is refused', async () => {
    const r = await preview('good-again.csv', GOOD);
    expect(r.value.preview).toMatchObject({ inserted: 0, unchanged: 2 });
    expect(transit()).toHaveLength(1);
    await post('/bridge/import-drop', { picked: r.value.picked });
    expect(transit()).toEqual([]);
    expect(await post('/bridge/import-picked', { picked: r.value.picked })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await post('/bridge/import-picked', { picked: '../../etc/passwd' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
  });
});
