/**
 * The reports and exports the router knows. Reports are queries (reports.view); each export is a
 * command of its own, with its own permission, audited when it starts (router) and when its file is
 * complete (export-file.ts). Exports name a file, so hosts never let a page send them
 * (bridge/envelope.ts FILE_CALLS): the console asks its host, which picks the file.
 */
import { z } from 'zod';
import { defineCommand, type ActorContext } from '../../platform/kernel/router.js';
import { EXPORT_FORMATS, exportReport, type ExportResult } from './export-file.js';
import type { TabularReport } from './read-report.js';
import { filtersSchema, type FilterInput, type FilterSpec } from './filters.js';
import {
  auditReport,
  commissionReport,
  journalReport,
  payoutItemReport,
  payoutReport,
} from './tabular.js';

export { affiliatePerformance, timeSeries } from './analysis.js';
export { providerAnalysis } from './provider-analysis.js';
export { monitoring } from './monitoring.js';
export { journal } from './trial-balance.js';

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

export const exportPayouts = defineCommand({
  name: 'export.payouts',
  permission: 'reports.export',
  transactional: false,
  cancellable: true,
  input: exportInput(payoutReport.spec),
  run: runExport(payoutReport),
});

export const exportCommissions = defineCommand({
  name: 'export.commissions',
  permission: 'reports.export',
  transactional: false,
  cancellable: true,
  input: exportInput(commissionReport.spec),
  run: runExport(commissionReport),
});

export const exportPayoutItems = defineCommand({
  name: 'export.payoutItems',
  permission: 'reports.export',
  transactional: false,
  cancellable: true,
  input: exportInput(payoutItemReport.spec),
  run: runExport(payoutItemReport),
});

/** The audit trail leaves the building only for those who may read it. */
export const exportAuditLog = defineCommand({
  name: 'export.auditLog',
  permission: 'audit.view',
  transactional: false,
  cancellable: true,
  input: exportInput(auditReport.spec),
  run: runExport(auditReport),
});

export const exportJournal = defineCommand({
  name: 'export.journal',
  permission: 'reports.export',
  transactional: false,
  cancellable: true,
  input: exportInput(journalReport.spec),
  run: runExport(journalReport),
});
