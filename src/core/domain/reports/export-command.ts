/**
 * A report's export: one router command per report, with its own permission, audited when it
 * starts (router) and when its file is complete (export-file.ts). Exports name a file, so hosts
 * never let a page send them (bridge/envelope.ts FILE_CALLS): the console asks its host, which
 * picks the file.
 */
import { z } from 'zod';
import { defineCommand, type ActorContext } from '../../platform/kernel/router.js';
import { assert } from '../../shared/assert.js';
import type { Permission } from '../../shared/permissions.js';
import { EXPORT_FORMATS, exportReport, type ExportResult } from './export-file.js';
import { filtersSchema, type FilterInput, type FilterSpec } from './filters.js';
import type { TabularReport } from './read-report.js';

function exportInput(spec: FilterSpec) {
  return filtersSchema(spec, {
    format: z.enum(EXPORT_FORMATS, { error: `must be one of ${EXPORT_FORMATS.join(', ')}` }),
    /** Path of the file to write (relative paths are relative to the host's working directory). */
    out: z.string().min(1, 'name the file to write').max(4096),
    overwrite: z.boolean().optional(),
    /** CSV only: start with a UTF-8 byte order mark, so spreadsheets read the file as UTF-8. */
    bom: z.boolean().optional(),
  }).superRefine((v, ctx) => {
    if (v.bom && v.format !== 'csv')
      ctx.addIssue({
        code: 'custom',
        path: ['bom'],
        message: 'a byte order mark is for CSV files only',
      });
  });
}

type ExportInput = FilterInput & {
  format: 'csv' | 'json';
  out: string;
  overwrite?: boolean | undefined;
  bom?: boolean | undefined;
};

function runExport(report: TabularReport) {
  return (ctx: ActorContext, input: ExportInput): Promise<ExportResult> => {
    const { format, out, overwrite, bom, ...filters } = input;
    return exportReport(ctx.store, report, {
      format,
      out,
      overwrite,
      bom,
      filters,
      generatedBy: { operatorId: ctx.actor.operatorId, username: ctx.actor.username },
      audit: { commandId: ctx.commandId, ip: ctx.call.ip, workstationId: ctx.workstationId },
      now: () => ctx.now, // the central clock's, not this workstation's (central/clock.ts)
      onProgress: (n, total) =>
        ctx.progress({ phase: 'exporting', done: n, ...(total === null ? {} : { total }) }),
    });
  };
}

/**
 * The command that writes `report` to a file: `--format csv|json --out FILE [--bom] [--overwrite]`
 * and the report's filters. Its name is the audit action of a finished export (report.action).
 */
export function defineExport<N extends string>(
  name: N,
  permission: Permission,
  report: TabularReport,
) {
  assert(report.action === name, `export ${name} is audited as ${report.action}`);
  return defineCommand({
    name,
    permission,
    transactional: false,
    cancellable: true,
    input: exportInput(report.spec),
    run: runExport(report),
  });
}
