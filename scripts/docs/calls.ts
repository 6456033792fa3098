/**
 * What each router call is for, in one sentence, and which CLI commands send it. The schemas,
 * permissions and flags in docs/commands.md come from the definitions themselves; only this
 * sentence is written by hand, because a definition carries no prose. The generator refuses to
 * run when a definition has no entry here or an entry names a call or a CLI command that does
 * not exist, so this list cannot drift from the code unnoticed.
 */
export interface CallDoc {
  summary: string;
  /** CLI commands (paths below `treasury`) that send this call. */
  cli?: string[];
  /** Who sends it when no operator types it (the hosts, the console). */
  sentBy?: string;
}

export const CALL_DOCS: Record<string, CallDoc> = {
  // Sessions and setup
  'operators.bootstrap': { summary: 'Creates the first super-admin on a central store that has no operator yet; refused with ALREADY_INITIALISED afterwards.', cli: ['init'] },
  'session.signIn': { summary: 'Signs an operator in with username and password (the password first, then lockout, status and IP ranges; a refusal says which); the token stays in the host.', cli: ['login'] },
  'session.signOut': { summary: 'Ends a session.', cli: ['logout'] },
  'session.stepUp': { summary: 'Confirms the password within a session: approve, execute, retry and credential changes need it within the last 5 minutes; a wrong one says the tries left before the lockout.', sentBy: 'the CLI before a step-up call; the console\'s step-up dialog' },
  'session.whoami': { summary: 'The signed-in operator: id, username, role.', cli: ['whoami', 'login'] },
  'setup.status': { summary: 'Whether the central store has any operator yet (public: the sign-in screen and `init` ask it).', cli: ['init'] },
  'operators.create': { summary: 'Adds an operator with a role (never above your own) and an initial password.', cli: ['operators add'] },
  'sync.authorize': { summary: 'Authorises and audits a pull: the pull reads the central change log directly, outside the router.', sentBy: 'the workstation, before each pull (`sync.run`)' },
  'outbox.authorize': { summary: 'Authorises and audits what an operator does with a command in a workstation\'s outbox (discard, prepare again), with the central store\'s reason for refusing it, before the workstation does it in its cache.', sentBy: 'the workstation, online, for `outbox.discard` and `outbox.reprepare`' },
  'cache.authorize': { summary: 'Authorises and audits maintenance of a workstation\'s local cache (rebuild, key rotation) before the workstation does it on its own files.', sentBy: 'the workstation, for `cache.rebuild` and (online) `cache.rekey`' },
  'operators.setRole': { summary: 'Changes an operator\'s role (never above your own, never your own downwards, never the last super_admin).', cli: ['operators role'] },
  'operators.setStatus': { summary: 'Disables an operator (their sessions end at once) or enables one again (clearing a lockout), with a reason.', cli: ['operators disable', 'operators enable'] },
  'operators.unlock': { summary: 'Unlocks an operator locked out by wrong passwords (clears the failed attempts and the lockout), with a reason; not oneself, not someone ranked above.', cli: ['operators unlock'] },
  'operators.list': { summary: 'Every operator with role, status and lockout.', cli: ['operators list'] },
  'ip.allow': { summary: 'Adds an IP range (IPv4 or IPv6 CIDR) for a role or an operator; refused when it would lock you out.', cli: ['operators ip allow'] },
  'ip.remove': { summary: 'Removes an IP allowlist entry; refused when it would lock you out.', cli: ['operators ip remove'] },
  'ip.list': { summary: 'Every IP allowlist entry.', cli: ['operators ip list'] },
  'security.events': { summary: 'Suspicious-activity events, newest first, optionally only open ones or one risk level.', cli: ['security events'] },
  'security.acknowledge': { summary: 'Acknowledges a security event (by a second administrator, not the operator who raised it); a held approval can then go through.', cli: ['security ack'] },
  // Data and calculation
  'affiliates.import': { summary: 'Imports an affiliates CSV file, whole (every problem listed, nothing written unless the whole file is valid); runs beside the console (see the README: Imports).', cli: ['import'] },
  'conversions.import': { summary: 'Imports a conversions CSV file, whole, as affiliates.import.', cli: ['import'] },
  'rules.set': { summary: 'Adds a commission rule version, effective from a date (validated: RULES_INVALID names each problem).', cli: ['rules set'] },
  'rules.show': { summary: 'The rule versions and which one is current.', cli: ['rules show'] },
  'commissions.calculate': { summary: 'Calculates commissions from conversions (deterministic, idempotent; locked commissions get adjustments, never rewrites).', cli: ['calc'] },
  'payables.list': { summary: 'Per affiliate and currency: payable, pending, adjustments, eligibility and reasons.', cli: ['payables'] },
  'demo.generate': { summary: 'Generates deterministic demo affiliates and conversions (and sets the example rules when none exist).', cli: ['demo'] },
  // Batches
  'batch.preview': { summary: 'Who would be paid and how much, with every exclusion reason and totals per currency and provider.', cli: ['batch preview'] },
  'batch.previewPage': { summary: 'The preview a page at a time, for the console: the whole selection’s totals, exclusion counts and FX pairs, and rows sorted and filtered by the workstation (kept between requests while the ledger does not change).', sentBy: 'the console\'s Batch builder' },
  'batch.create': { summary: 'Creates payout batches from the preview (split at maxPayouts), each with its content hash; leftOut names affiliates the operator left out.', cli: ['batch create'] },
  'batch.submit': { summary: 'Submits a draft batch for approval.', cli: ['batch submit'] },
  'batch.approve': { summary: 'Approves a submitted batch (not your own; two approvers and batches.approve_high_value for a high-value batch); contentHash binds the approval to what was reviewed.', cli: ['batch approve'] },
  'batch.reject': { summary: 'Sends a submitted batch back to draft, with a reason.', cli: ['batch reject'] },
  'batch.cancel': { summary: 'Cancels a batch before execution; its commissions become payable again.', cli: ['batch cancel'] },
  'batch.removePayouts': { summary: 'Takes affiliates out of a batch before execution (voids its approvals).', cli: ['batch remove'] },
  'batch.execute': { summary: 'Sends an approved batch through its providers exactly once; resumes an interrupted execution (safe to repeat).', cli: ['batch execute'] },
  'batch.retry': { summary: 'Gives failed payouts a new attempt (a new idempotency key); run `batch.execute` to send them.', cli: ['batch retry'] },
  'payout.cancel': { summary: 'Gives a failed payout up: its commissions and adjustments become payable again.', cli: ['payout cancel'] },
  'batch.show': { summary: 'One batch: status, content hash, approvals, payouts by status, allowed actions; optionally its payouts, paged.', cli: ['batch show'] },
  'batch.list': { summary: 'Recent batches with their maker and valid approvers, optionally of one status.', cli: ['batch list'] },
  'provider.balance': { summary: 'A provider\'s available balance in one currency.', cli: ['provider balance'] },
  'provider.credentials.set': { summary: 'Stores a provider secret in the credential store (never in a file or the database).', cli: ['provider credentials'] },
  'provider.credentials.rotate': { summary: 'Replaces a provider secret: an API key is proven with the provider (a balance read) before it replaces the stored one, so a refused key changes nothing; webhook secrets are replaced as they are.', cli: ['provider credentials'] },
  'provider.credentials.status': { summary: 'Which provider secrets are configured (never the secrets).', sentBy: 'the console\'s Settings view' },
  // Payouts, providers, reconciliation
  'affiliate.hold': { summary: "Holds an affiliate's payouts with a reason: excluded from batches (payouts_held) and not sent from batches already approved.", cli: ['affiliate hold'] },
  'affiliate.release': { summary: "Releases a hold on an affiliate's payouts, with a reason.", cli: ['affiliate release'] },
  'affiliate.holdMany': { summary: "Holds the payouts of several affiliates at once (one transaction, an audit entry each), with a reason.", sentBy: 'the console\'s Payables view (Hold selected)' },
  'affiliate.releaseMany': { summary: "Releases the holds of several affiliates at once (one transaction, an audit entry each), with a reason.", sentBy: 'the console\'s Payables view (Release selected)' },
  'affiliate.setKyc': { summary: "Sets an affiliate's KYC status (pending, approved, rejected), with a reason.", cli: ['affiliate kyc'] },
  'affiliate.setDestination': { summary: "Changes an affiliate's payout destination (provider, channel, account, holder); stamps the change for the destination security rule.", cli: ['affiliate destination'] },
  'affiliate.revealAccount': { summary: "Shows an affiliate's full account number; every reveal is audited.", cli: ['affiliate reveal'] },
  'exceptions.list': { summary: 'Lists every payout that needs a person (failed for good, stuck, held at the provider, reversed, cancelled by the provider), oldest first, with the provider’s words, the attempts and the actions that fit.', cli: ['exceptions'], sentBy: "the console's Exceptions view and the Dashboard's alert card" },
  'exception.acknowledge': { summary: 'Takes a reversed payout, or one held at the provider, out of the exception queue without changing it, with a note of what was done.', cli: ['exceptions acknowledge'] },
  'payout.cancelAtProvider': { summary: 'Asks the provider to cancel a payout waiting there; whatever the provider answers (cancelled, or paid meanwhile) is recorded.', cli: ['payout cancel-at-provider'] },
  'payouts.poll': { summary: 'Asks the providers about payouts still with them, and optionally about reversals of succeeded ones since a date.', cli: ['payouts poll'] },
  'reconcile.run': { summary: 'Matches our payouts with a provider\'s records for a period and stores the run and its results.', cli: ['reconcile'] },
  'reconcile.list': { summary: 'Reconciliation runs, newest first.', cli: ['reconcile list'] },
  'reconcile.results': { summary: 'One reconciliation run\'s results, optionally of one outcome.', cli: ['reconcile results'] },
  'webhooks.relay.start': { summary: 'Authorises and audits starting the webhook relay (which then writes provider news into the central store).', cli: ['webhook-relay'] },
  'payout.events': { summary: 'What the providers told us (webhooks, polls), newest first.', cli: ['events'] },
  // Audit
  'audit.tail': { summary: 'The newest audit entries (offline: the tail last synced into the cache).', cli: ['audit tail'] },
  'audit.verify': { summary: 'Recomputes the audit hash chain and names every edited, deleted, inserted or reordered entry.', cli: ['audit verify'] },
  // Console reads
  'console.manifest': { summary: 'What the signed-in operator may call (each call\'s permission, step-up, offline capability) and how long the step-up holds.', sentBy: 'the console, after sign-in' },
  'payables.page': { summary: 'One page of the payables grid (sorted, filtered and searched on the server).', sentBy: 'the console\'s Payables view' },
  'affiliate.detail': { summary: 'One affiliate with commissions, adjustments and payout history.', sentBy: 'the console\'s affiliate drawer' },
  'payouts.page': { summary: 'One page of payouts (sorted and filtered on the server), with the provider state and the failure in words.', sentBy: 'the console\'s Payout history view and a batch page\'s payout grid' },
  'dashboard.summary': { summary: 'The dashboard: payable totals, batches by status, executions in progress, recent failures.', sentBy: 'the console\'s Dashboard' },
  // Reports and exports
  'reports.timeSeries': { summary: 'Accrued, sent, succeeded, failed, reversed and clawed-back amounts per day, week or month and currency.', cli: ['report'] },
  'reports.affiliatePerformance': { summary: 'Per affiliate: conversions, net revenue, commissions and payouts, paged and sorted.', cli: ['report'] },
  'reports.providerAnalysis': { summary: 'Per provider: success rate, settle-time percentiles, fees and failure codes.', cli: ['report'] },
  'reports.monitoring': { summary: 'Stuck payouts, webhook lag, the last reconciliation and its breaks.', cli: ['report'] },
  'reports.journal': { summary: 'The journal\'s trial balance with its tie-outs to payouts and commissions.', cli: ['report'] },
  'export.payouts': { summary: 'Writes the reconciled payout report to a CSV or JSON file, whole or not at all, and audits it.', cli: ['export'] },
  'export.commissions': { summary: 'Writes the commissions to a CSV or JSON file.', cli: ['export'] },
  'export.payoutItems': { summary: 'Writes payout items (which commissions and adjustments each payout paid) to a CSV or JSON file.', cli: ['export'] },
  'export.auditLog': { summary: 'Writes the audit log to a CSV or JSON file.', cli: ['export'] },
  'export.journal': { summary: 'Writes the journal entries (double entry) to a CSV or JSON file.', cli: ['export'] },
  'export.payablesGrid': { summary: "Writes every payables row matching the grid's filters, with its visible columns, to a CSV file whose first line records the filters.", sentBy: 'the console\'s Payables view (Export this grid)' },
  'export.payoutsGrid': { summary: "Writes every payout matching the payout history grid's filters, in its sort, with its visible columns, to a CSV file whose first line records the filters.", sentBy: 'the console\'s Payout history view (Export this grid)' },
  // Settings
  'settings.show': { summary: 'The central settings (high-value thresholds, provider settings) with who changed them and when.', cli: ['settings show'], sentBy: 'the console\'s Settings view' },
  'settings.set': { summary: 'Changes one central setting, validated with its reader\'s schema and audited with before and after.', cli: ['settings set'], sentBy: 'the console\'s Settings view' },
  // Operations
  'central.backup': { summary: 'Writes a backup file of the embedded central store (every record, the audit chain checked) and audits its start and completion; restoring runs without the router (`treasury restore`).', cli: ['backup'] },
  'diagnostics.central': { summary: 'What a diagnostics bundle learns from the central store — server version, schema migration level, settings (secret-named fields replaced) — audited with the workstation that asked.', cli: ['diagnostics'] },
  // The workstation's own calls
  'sync.run': { summary: 'Pushes the outbox (each command re-validated centrally), then pulls changes into the local cache; offline it says so and changes nothing. One sync at a time: a second waits for the first; `trigger` names what started an automatic one.', cli: ['sync'] },
  'sync.auto': { summary: 'Turns sync by itself on (or off) for the calling session: every minute while online, on reconnect, and shortly after a command that left work in the outbox (only with a central PostgreSQL; the embedded store is always reachable).', sentBy: 'the console, once its operator is signed in' },
  'sync.status': { summary: 'Online or offline (with the reason), last successful sync, rows per table, commands pending, conflicts, and how sync by itself is going (on or off and why, syncing, last run, failure).', cli: ['sync status'] },
  'outbox.list': { summary: 'The commands written locally with their status and, when rejected, the reason.', cli: ['outbox list'] },
  'views.list': { summary: "The operator's saved views of a grid, and the one applied last (kept in this workstation's encrypted cache).", sentBy: 'the console\'s grids (Views menu)' },
  'views.save': { summary: "Saves the grid's filters, sort and columns as a named view of the operator's.", sentBy: 'the console\'s grids (Views menu)' },
  'views.use': { summary: 'Records the view (or all rows) a grid opens with next time.', sentBy: 'the console\'s grids (Views menu)' },
  'views.delete': { summary: "Deletes one of the operator's saved views of a grid.", sentBy: 'the console\'s grids (Views menu)' },
  'outbox.discard': { summary: 'Gives up a pending or rejected local command (a pending one is undone in the cache); online, audited centrally first (`outbox.authorize`).', cli: ['outbox discard'] },
  'outbox.reprepare': { summary: 'Prepares a batch creation the central store refused again from the data as last synced (same provider, currency, cutoff, FX rates, note and affiliates): a new batch and a new pending command, which replaces the refused one.', cli: ['outbox reprepare'] },
  'cache.check': { summary: 'Reads every page of the local cache and checks it (the cipher authenticates each page); a damaged cache is reported as CACHE_DAMAGED with the way out.', cli: ['cache check'] },
  'cache.rekey': { summary: 'Re-encrypts the local cache under a new key and replaces the key in the credential store; a crash at any point leaves a cache that opens.', cli: ['cache rekey'] },
  'cache.rebuild': { summary: 'Moves the local cache aside (kept with its key for inspection) and pulls everything again from the central store; refuses while commands wait in the outbox unless discardPending.', cli: ['cache rebuild'] },
  'jobs.start': { summary: 'Starts a long call (an export, a calculation, an import…) as a job of the signed-in operator and returns at once; the call checks its own permission as it runs.', cli: [] },
  'jobs.list': { summary: 'The operator’s jobs on this workstation, running first: phase, progress (done/total), result or error.', cli: ['jobs list'] },
  'jobs.get': { summary: 'One of the operator’s jobs.', cli: [] },
  'jobs.cancel': { summary: 'Stops a running job at its next progress report, keeping nothing half-done (audited as cancelled); execution and sync cannot be cancelled half-way.', cli: ['jobs cancel'] },
};
