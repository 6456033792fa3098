/** Every command and query the router knows. A name not listed here does not exist. */
import * as access from '../domain/access/commands.js';
import * as affiliates from '../domain/affiliates/commands.js';
import * as audit from '../domain/audit/commands.js';
import * as backup from '../domain/backup/commands.js';
import * as batches from '../domain/batches/commands.js';
import * as dashboard from '../domain/dashboard/dashboard.js';
import * as affiliatePage from '../domain/affiliates/page.js';
import * as payables from '../domain/payables/page.js';
import * as payablesExport from '../domain/payables/export-grid.js';
import * as payoutsPage from '../domain/payouts/page.js';
import * as payoutsExport from '../domain/payouts/export-grid.js';
import * as settings from '../domain/settings/settings.js';
import * as manifest from '../domain/operators/manifest.js';
import * as data from '../domain/calculation/commands.js';
import * as demo from '../domain/demo/commands.js';
import * as imports from '../domain/imports/commands.js';
import * as diagnostics from './diagnostics/central.js';
import * as execution from '../domain/execution/commands.js';
import * as exceptions from '../domain/exceptions/commands.js';
import * as operators from '../domain/operators/commands.js';
import * as roles from '../domain/operators/roles.js';
import * as workstations from '../domain/workstations/commands.js';
import { REPORT_DEFINITIONS } from '../domain/reports/index.js';
import * as security from '../domain/security/commands.js';
import * as payouts from '../domain/payouts/commands.js';
import * as reconciliation from '../domain/reconciliation/commands.js';
import * as webhooks from '../domain/webhooks/commands.js';
import * as providers from '../domain/providers/commands.js';
import type { Definition } from '../platform/kernel/router.js';

/** Kept as a tuple so the bridge contract can derive each call's name, input and output types. */
const CATALOG = [
  operators.bootstrap,
  operators.signIn,
  operators.signOut,
  operators.stepUp,
  operators.whoami,
  operators.setupStatus,
  operators.createOperator,
  workstations.authorizeSync,
  workstations.authorizeCacheMaintenance,
  workstations.authorizeOutbox,
  backup.backupCentral,
  roles.setRole,
  roles.setStatus,
  roles.unlock,
  roles.list,
  access.allow,
  access.remove,
  access.list,
  security.events,
  security.acknowledge,
  imports.importAffiliates,
  imports.importConversions,
  data.setRules,
  data.showRules,
  data.calculate,
  data.payables,
  demo.demo,
  batches.preview,
  batches.previewPage,
  batches.create,
  batches.submit,
  batches.approve,
  batches.reject,
  batches.cancel,
  batches.remove,
  execution.execute,
  batches.retry,
  payouts.cancelPayout,
  batches.show,
  batches.list,
  batches.balance,
  providers.setCredential,
  providers.rotateCredential,
  providers.credentialStatus,
  payouts.poll,
  reconciliation.reconcileRun,
  reconciliation.reconcileList,
  reconciliation.reconcileResults,
  webhooks.startRelay,
  payouts.events,
  exceptions.list,
  exceptions.acknowledge,
  exceptions.cancelAtProvider,
  audit.tail,
  audit.verify,
  manifest.manifest,
  payables.page,
  payablesExport.exportPayablesGrid,
  affiliatePage.detail,
  affiliates.hold,
  affiliates.release,
  affiliates.holdMany,
  affiliates.releaseMany,
  affiliates.setKyc,
  affiliates.setDestination,
  affiliates.revealAccount,
  payoutsPage.page,
  payoutsExport.exportPayoutsGrid,
  dashboard.summary,
  // Every report's query, then every report's export (domain/reports/index.ts lists the reports).
  ...REPORT_DEFINITIONS,
  settings.show,
  settings.set,
  diagnostics.central,
] as const;

/** Every definition, each with its literal name and schema (for the typed bridge contract). */
export type CatalogDefinition = (typeof CATALOG)[number];

// The tuple keeps each definition's literal types for the bridge contract; the router takes them as
// one list (it validates each payload against its own definition's schema before run()).
export const DEFINITIONS: readonly Definition<never, unknown>[] = CATALOG as unknown as Definition<
  never,
  unknown
>[];
