/**
 * The page never names a file on this machine. Every call whose input holds a file path (to read or
 * to write) is listed in FILE_CALLS, and the bridge refuses those names from the page: the hosts
 * send them themselves with the file the operator picked in a dialog (importFile, exportFile). A
 * new import or export that forgets the list fails the first test.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { FILE_CALLS } from '../../../src/core/host/bridge/envelope.js';
import { BridgeSession } from '../../../src/core/host/bridge/session-host.js';
import { DEFINITIONS } from '../../../src/core/host/catalog.js';
import { tempDir } from '../../support/central.js';
import {
  ADMIN_PASSWORD,
  openTestWorkstation,
  type TestWorkstation,
} from '../../support/workstation.js';

/** The keys of an object schema, through refinements and pipes. */
function keysOf(schema: z.ZodType): string[] {
  const s = schema as unknown as {
    shape?: Record<string, unknown>;
    _zod?: { def?: { in?: z.ZodType; schema?: z.ZodType } };
  };
  if (s.shape) return Object.keys(s.shape);
  const inner = s._zod?.def?.in ?? s._zod?.def?.schema;
  return inner ? keysOf(inner) : [];
}

const FILE_KEYS = ['file', 'out', 'path', 'dir'];

describe('calls that name files', () => {
  it('are exactly the ones listed in FILE_CALLS', () => {
    const naming = DEFINITIONS.filter((d) =>
      keysOf(d.input as z.ZodType).some((k) => FILE_KEYS.includes(k)),
    )
      .map((d) => d.name)
      .sort();
    expect(naming.length).toBeGreaterThan(0);
    expect(naming).toEqual([...FILE_CALLS].sort());
  });

  describe('through the bridge', () => {
    let t: TestWorkstation;
    let bridge: BridgeSession;
    const scratch = tempDir();
    beforeAll(async () => {
      t = await openTestWorkstation('pglite');
      bridge = new BridgeSession(t.ws, () => undefined);
      expect(
        await bridge.call({
          name: 'session.signIn',
          payload: { username: 'admin', password: ADMIN_PASSWORD },
        }),
      ).toMatchObject({ ok: true });
    }, 120_000);
    afterAll(async () => {
      await t?.cleanup();
      scratch.remove();
    });

    it('are refused from the page, before anything is read or written', async () => {
      const out = path.join(scratch.dir, 'written-by-the-page.csv');
      expect(
        await bridge.call({
          name: 'export.payoutItems',
          payload: { format: 'csv', out, overwrite: true },
        }),
      ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(existsSync(out)).toBe(false);
      expect(
        await bridge.call({ name: 'affiliates.import', payload: { file: '/etc/passwd' } }),
      ).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN', message: expect.stringMatching(/importFile/) },
      });
      // Nor through a job, which runs a call of its own.
      expect(
        await bridge.call({
          name: 'jobs.start',
          payload: { name: 'export.payoutItems', payload: { format: 'csv', out, overwrite: true } },
        }),
      ).toMatchObject({
        ok: false,
        error: {
          code: 'FORBIDDEN',
          message: expect.stringMatching(/export.payoutItems names a file/),
        },
      });
      // The host's own run (with the file the operator picked) goes through.
      expect(
        await bridge.run('export.payoutItems', { format: 'csv', out }, undefined),
      ).toMatchObject({ ok: true });
      expect(existsSync(out)).toBe(true);
    });
  });
});
