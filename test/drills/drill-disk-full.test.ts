/**
 * Drill: the disk fills up while a file is written (issue 8). Not simulated: the target folder is a
 * real 64 KB tmpfs (test/support/tiny-fs.ts) and the kernel answers ENOSPC. An accounting export
 * (CSV and JSON) and a central backup each fail with EXPORT_FAILED saying the disk is full, leave
 * no partial file (the space is free again: a small export then fits), and audit no completion. The
 * same exports written where there is room succeed. Real PGlite, real demo data.
 */
import { readdirSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/core/platform/central/store.js';
import type { ExportResult } from '../../src/core/domain/reports/export-file.js';
import { tempDir } from '../support/central.js';
import { mountTinyFs, tinyFsAvailable, type TinyFs } from '../support/tiny-fs.js';
import {
  ADMIN_PASSWORD,
  openTestWorkstation,
  type TestWorkstation,
} from '../support/workstation.js';

/** tmpfs allocates whole pages. */
const PAGE = 4096;

describe.skipIf(!tinyFsAvailable)(
  'drill: the disk fills up during an export or a backup (a real 64 KB tmpfs)',
  () => {
    let tw: TestWorkstation;
    let fs: TinyFs;
    const roomy = tempDir('treasury-disk-full-');

    /** Completed exports and backups (the router's own entry for each attempt aside). */
    const audited = async (action: string, entityType: string) =>
      Number(
        (
          await rows<{ n: number }>(
            tw.ws.central.db,
            sql`SELECT count(*)::int AS n FROM audit_log WHERE action = ${action} AND entity_type = ${entityType}`,
          )
        )[0]!.n,
      );
    const freeBytes = () => {
      const s = statfsSync(fs.dir);
      return s.bavail * s.bsize;
    };

    beforeAll(async () => {
      tw = await openTestWorkstation('pglite');
      await tw.call('demo.generate', { affiliates: 300, conversions: 3000, seed: 8 });
      await tw.call('commissions.calculate', {});
      fs = mountTinyFs(64);
    }, 300_000);

    afterAll(async () => {
      fs?.unmount();
      await tw?.cleanup();
      roomy.remove();
    });

    for (const format of ['csv', 'json'] as const) {
      it(`a commissions export (${format}) larger than the disk: EXPORT_FAILED "the disk is full", no partial file, nothing audited`, async () => {
        const free = freeBytes();
        const before = await audited('export.commissions', 'export');
        const out = path.join(fs.dir, `commissions.${format}`);
        await expect(tw.call('export.commissions', { format, out })).rejects.toMatchObject({
          code: 'EXPORT_FAILED',
          message: expect.stringMatching(
            /could not write .*: the disk is full \(ENOSPC\); the partial file was removed and nothing was exported/,
          ),
        });
        expect(readdirSync(fs.dir)).toEqual([]);
        expect(freeBytes()).toBe(free); // the partial file's space was given back
        expect(await audited('export.commissions', 'export')).toBe(before);
        // Where there is room the same export is whole, and bigger than the tiny disk.
        const whole = await tw.call<ExportResult>('export.commissions', {
          format,
          out: path.join(roomy.dir, `commissions.${format}`),
        });
        expect(whole.rowCount).toBeGreaterThan(1000);
        expect(await audited('export.commissions', 'export')).toBe(before + 1);
      });
    }

    it('after a failed export the disk takes a small one: a filtered export fits and is whole', async () => {
      const [one] = await rows<{ id: string }>(
        tw.ws.central.db,
        sql`SELECT affiliate_id AS id FROM commissions ORDER BY affiliate_id LIMIT 1`,
      );
      const r = await tw.call<ExportResult>('export.commissions', {
        format: 'csv',
        out: path.join(fs.dir, 'one.csv'),
        affiliate: one!.id,
      });
      expect(r.rowCount).toBeGreaterThan(0);
      expect(readdirSync(fs.dir)).toEqual(['one.csv']);
    });

    it('a backup larger than the disk: EXPORT_FAILED "the disk is full", no partial file, no completion audited', async () => {
      const before = await audited('central.backup.completed', 'backup');
      await tw.ws.call({
        name: 'session.stepUp',
        payload: { password: ADMIN_PASSWORD },
        session: tw.token,
        workstationId: tw.ws.id,
      });
      const out = path.join(fs.dir, 'central.tcb');
      await expect(
        tw.ws.call({
          name: 'central.backup',
          payload: { out },
          session: tw.token,
          workstationId: tw.ws.id,
        }),
      ).rejects.toMatchObject({
        code: 'EXPORT_FAILED',
        message: expect.stringMatching(/the disk is full \(ENOSPC\).*no backup was written/),
      });
      expect(readdirSync(fs.dir)).toEqual(['one.csv']);
      expect(await audited('central.backup.completed', 'backup')).toBe(before);
    });

    it('an export that almost fits (the disk less than a page short of it) fails whole: never a truncated file called complete', async () => {
      const [busiest] = await rows<{ id: string }>(
        tw.ws.central.db,
        sql`SELECT affiliate_id AS id FROM commissions GROUP BY affiliate_id ORDER BY count(*) DESC, affiliate_id LIMIT 1`,
      );
      const sized = await tw.call<ExportResult>('export.commissions', {
        format: 'csv',
        out: path.join(roomy.dir, 'busiest.csv'),
        affiliate: busiest!.id,
      });
      const size = statSync(path.join(roomy.dir, 'busiest.csv')).size;
      expect(size).toBeGreaterThan(PAGE);
      // Leave free exactly the whole pages below the file's size: all but its last bytes fit.
      const room =
        Math.floor(size / PAGE) * PAGE === size ? size - PAGE : Math.floor(size / PAGE) * PAGE;
      writeFileSync(path.join(fs.dir, 'filler'), Buffer.alloc(freeBytes() - room));
      expect(freeBytes()).toBe(room);
      const before = await audited('export.commissions', 'export');
      await expect(
        tw.call('export.commissions', {
          format: 'csv',
          out: path.join(fs.dir, 'busiest.csv'),
          affiliate: busiest!.id,
        }),
      ).rejects.toMatchObject({
        code: 'EXPORT_FAILED',
        message: expect.stringMatching(/the disk is full \(ENOSPC\)/),
      });
      expect(readdirSync(fs.dir).sort()).toEqual(['filler', 'one.csv']);
      expect(await audited('export.commissions', 'export')).toBe(before);
      rmSync(path.join(fs.dir, 'filler'));
      const fits = await tw.call<ExportResult>('export.commissions', {
        format: 'csv',
        out: path.join(fs.dir, 'busiest.csv'),
        affiliate: busiest!.id,
      });
      expect(fits.rowCount).toBe(sized.rowCount);
      expect(statSync(path.join(fs.dir, 'busiest.csv')).size).toBe(size);
    });
  },
);
