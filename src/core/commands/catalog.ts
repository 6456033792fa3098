/** Every command and query the router knows. A name not listed here does not exist. */
import * as access from '../access/commands.js';
import * as affiliates from '../affiliates/commands.js';
import * as audit from '../audit/commands.js';
import * as backup from '../backup/commands.js';
import * as batches from '../batches/commands.js';
import * as views from '../console/queries.js';
import * as data from '../calculation/commands.js';
import * as diagnostics from '../diagnostics/central.js';
import * as exceptions from '../exceptions/commands.js';
import * as operators from '../operators/commands.js';
import * as roles from '../operators/roles.js';
import * as reports from '../reports/commands.js';
import * as security from '../security/commands.js';
import * as payouts from '../payouts/commands.js';
import * as providers from '../providers/commands.js';
import type { Definition } from './router.js';

/** Kept as a tuple so the bridge contract can derive each call's name, input and output types. */
const CATALOG = [
  operators.bootstrap,
  operators.signIn,
  operators.signOut,
  operators.stepUp,
  operators.whoami,
  operators.setupStatus,
  operators.createOperator,
  operators.authorizeSync,
  operators.authorizeCacheMaintenance,
  backup.backupCentral,
  roles.setRole,
  roles.setStatus,
  roles.list,
  access.allow,
  access.remove,
  access.list,
  security.events,
  security.acknowledge,
  data.importAffiliates,
  data.importConversions,
  data.setRules,
  data.showRules,
  data.calculate,
  data.payables,
  data.demo,
  batches.preview,
  batches.previewPage,
  batches.create,
  batches.submit,
  batches.approve,
  batches.reject,
  batches.cancel,
  batches.remove,
  batches.execute,
  batches.retry,
  batches.cancelPayout,
  batches.show,
  batches.list,
  batches.balance,
  providers.setCredential,
  providers.rotateCredential,
  providers.credentialStatus,
  payouts.poll,
  payouts.reconcileRun,
  payouts.reconcileList,
  payouts.reconcileResults,
  payouts.startRelay,
  payouts.events,
  exceptions.list,
  exceptions.acknowledge,
  exceptions.cancelAtProvider,
  audit.tail,
  audit.verify,
  views.manifest,
  views.payablesPage,
  views.affiliateDetail,
  affiliates.hold,
  affiliates.release,
  affiliates.setKyc,
  affiliates.setDestination,
  affiliates.revealAccount,
  views.payoutsPage,
  views.dashboardSummary,
  reports.timeSeries,
  reports.affiliatePerformance,
  reports.providerAnalysis,
  reports.monitoring,
  reports.journal,
  reports.exportPayouts,
  reports.exportCommissions,
  reports.exportPayoutItems,
  reports.exportAuditLog,
  reports.exportJournal,
  views.settingsShow,
  views.settingsSet,
  diagnostics.central,
] as const;

/** Every definition, each with its literal name and schema (for the typed bridge contract). */
export type CatalogDefinition = (typeof CATALOG)[number];

export const DEFINITIONS: readonly Definition<never, unknown>[] = CATALOG as unknown as Definition<never, unknown>[];
