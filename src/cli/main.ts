/**
 * `treasury`: the command-line host. Like the Electron main process, it only parses arguments,
 * resolves the signed-in operator and sends calls through the workstation's router.
 * Exit codes: 0 ok, 1 the user's error (the message says what and where), 2 internal error.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { toTreasuryError, TreasuryError } from '../core/shared/errors.js';
import type { Progress } from '../core/platform/kernel/router.js';
import type { SignInResult } from '../core/domain/operators/commands.js';
import { ownerOnlyUmask } from '../core/platform/files/private.js';
import { defaultDataDir } from '../core/platform/files/paths.js';
import { appVersion } from '../core/platform/files/resources.js';
import { attachToHost, openOwnWorkstation, type CliWorkstation } from './workstation.js';
import { registerJobCommands } from './jobs.js';
import { registerReportCommands } from './reports.js';
import { registerMaintenanceCommands } from './maintenance.js';
import { registerDiagnosticsCommand } from './diagnostics.js';
import { registerAffiliateCommands } from './affiliates.js';
import { registerExceptionCommands } from './exceptions.js';
import {
  registerAuditCommands,
  registerBatchCommands,
  registerEventCommands,
  registerSecurityCommands,
  registerOperatorCommands,
  registerSyncCommands,
  registerTrackingCommands,
} from './batches.js';
import {
  endProgress,
  print,
  printError,
  printTable,
  progressReporter,
  wholeNumber,
  type Run,
} from './output.js';
import { readNewPassword, readSecret } from './prompt.js';

interface GlobalOptions {
  dataDir?: string;
  central?: string;
  offline?: boolean;
  json?: boolean;
}

const sessionAccount = (ws: CliWorkstation) => `session:${ws.id}`;

// The router, the stores and the providers load only when a command needs them: `--version` and
// `--help` start in a fraction of a second.
let stepUpNames: Promise<Set<string>> | null = null;
const needsStepUpAlways = async (name: string) => {
  stepUpNames ??= import('../core/host/catalog.js').then(
    ({ DEFINITIONS }) => new Set(DEFINITIONS.filter((d) => d.stepUp).map((d) => d.name)),
  );
  return (await stepUpNames).has(name);
};
const credentialInfo = async (ws: CliWorkstation) =>
  (await import('../core/platform/credentials/store.js')).describeCredentialStore(ws.credentials);

class Cli {
  private ws: CliWorkstation | undefined;
  private token: string | null = null;
  private ephemeralSession = false;
  constructor(readonly options: GlobalOptions) {}

  get json(): boolean {
    return Boolean(this.options.json);
  }

  dataDir(): string {
    return path.resolve(this.options.dataDir ?? defaultDataDir());
  }

  centralUrl(): string | undefined {
    return this.options.central ?? process.env.TREASURY_CENTRAL_URL;
  }

  async workstation(): Promise<CliWorkstation> {
    if (this.ws) return this.ws;
    const where = {
      dataDir: this.dataDir(),
      centralUrl: this.centralUrl(),
      offline: Boolean(this.options.offline),
    };
    this.ws = (await attachToHost(where)) ?? (await openOwnWorkstation(where));
    // The fallback store says so before anything else (stderr: --json output stays parseable).
    const store = await credentialInfo(this.ws);
    if (store.kind === 'vault')
      process.stderr.write(`Credentials: ${store.label} — ${store.note}\n`);
    return this.ws;
  }

  /** Whether sessions outlive the command: every store but the environment's keeps them. */
  keepsSessions(ws: CliWorkstation): boolean {
    return ws.credentials.kind !== 'env';
  }

  async call<O>(name: string, payload: unknown, withSession = true): Promise<O> {
    const ws = await this.workstation();
    const session = withSession ? await this.session() : null;
    if (session && !this.ephemeralSession && (await this.needsStepUp(name))) await this.stepUp();
    const report = progressReporter();
    try {
      return await ws.call<O>({
        name,
        payload,
        session,
        workstationId: ws.id,
        onProgress: (p: Progress) => report(p),
      });
    } finally {
      endProgress();
    }
  }

  /**
   * Approve, execute, retry and credential changes ask for the password again (a session opened
   * just for this command, with the environment store, already did); so does a sync that will push
   * such commands.
   */
  private async needsStepUp(name: string): Promise<boolean> {
    // Attached, the host says which calls ask for it (no need to load the catalog here).
    const attached = this.ws?.attachedTo;
    const asks = async (n: string) =>
      attached ? attached.stepUp.includes(n) : needsStepUpAlways(n);
    if (await asks(name)) return true;
    if (name !== 'sync.run') return false;
    const pending = await (
      await this.workstation()
    ).call<{ name: string }[]>({
      name: 'outbox.list',
      payload: { status: 'pending' },
      session: this.token,
      workstationId: this.ws!.id,
    });
    for (const e of pending) if (await asks(e.name)) return true;
    return false;
  }

  private async stepUp(): Promise<void> {
    const ws = await this.workstation();
    const password = process.env.TREASURY_PASSWORD ?? (await readSecret('Confirm your password: '));
    const r = await ws.call<{ ok: boolean; reason?: string }>({
      name: 'session.stepUp',
      payload: { password },
      session: this.token,
      workstationId: ws.id,
    });
    if (!r.ok)
      throw new TreasuryError(
        'UNAUTHENTICATED',
        `password not confirmed: ${r.reason ?? 'refused'}`,
      );
  }

  /**
   * The stored session token, or (environment credential store) a session opened just for this
   * command.
   */
  async session(): Promise<string | null> {
    if (this.token) return this.token;
    const ws = await this.workstation();
    if (ws.credentials.kind === 'env') {
      const username = process.env.TREASURY_USERNAME;
      const password = process.env.TREASURY_PASSWORD;
      if (!username || !password) {
        throw new TreasuryError(
          'UNAUTHENTICATED',
          'with TREASURY_CREDENTIAL_STORE=env, set TREASURY_USERNAME and TREASURY_PASSWORD to sign in',
        );
      }
      this.token = await this.signIn(username, password, false);
      this.ephemeralSession = true;
      return this.token;
    }
    this.token = await ws.credentials.get(sessionAccount(ws));
    return this.token;
  }

  async signIn(username: string, password: string, keep: boolean): Promise<string> {
    const ws = await this.workstation();
    const result = await ws.call<SignInResult>({
      name: 'session.signIn',
      payload: { username, password },
      workstationId: ws.id,
    });
    if (!result.ok) throw new TreasuryError('UNAUTHENTICATED', `sign-in failed: ${result.reason}`);
    if (keep) await ws.credentials.set(sessionAccount(ws), result.token);
    this.token = result.token;
    return result.token;
  }

  async close(): Promise<void> {
    if (this.ws && this.ephemeralSession && this.token) {
      await this.ws
        .call({
          name: 'session.signOut',
          payload: { token: this.token },
          session: this.token,
          workstationId: this.ws.id,
        })
        .catch(() => {});
    }
    await this.ws?.close();
  }
}

export function buildProgram(run: Run<Cli>): Command {
  const program = new Command('treasury')
    .description('Treasury Console: affiliate commissions, payout batches and their audit trail')
    .addOption(
      new Option('--data-dir <dir>', 'workstation data directory').env('TREASURY_DATA_DIR'),
    )
    .addOption(
      new Option(
        '--central <url>',
        'central Postgres URL (default: embedded PGlite in the data dir)',
      ).env('TREASURY_CENTRAL_URL'),
    )
    .addOption(
      new Option(
        '--offline',
        'work on the encrypted local cache only (preparation; pushed by `sync` later)',
      ).env('TREASURY_OFFLINE'),
    )
    .option('--json', 'print results as JSON')
    .version(appVersion(), '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('init')
    .description(
      'set up this data dir (encrypted cache, central store) and create the first super-admin',
    )
    .option('--username <name>', 'the first super-admin', 'admin')
    .option('--display-name <name>', 'their display name')
    .action(
      run(async (cli) => {
        const opts = program.commands
          .find((c) => c.name() === 'init')!
          .opts<{ username: string; displayName?: string }>();
        const ws = await cli.workstation();
        if (ws.own) (await ws.own.openCache()).close(); // creates the key (keychain) and the encrypted file
        const status = await cli.call<{ initialised: boolean }>('setup.status', {}, false);
        const central = (await ws.connectivity()).central;
        if (status.initialised) {
          print(cli, { dataDir: ws.dataDir, central, bootstrapped: false }, () =>
            process.stdout.write(
              `Data dir ready at ${ws.dataDir}. The central store already has operators: sign in with \`treasury login\`.\n`,
            ),
          );
          return;
        }
        const password = await readNewPassword(
          process.env.TREASURY_INIT_PASSWORD ?? process.env.TREASURY_PASSWORD,
        );
        const created = await cli.call<{ operatorId: string; username: string }>(
          'operators.bootstrap',
          { username: opts.username, displayName: opts.displayName, password },
          false,
        );
        const kept = cli.keepsSessions(ws);
        if (kept) await cli.signIn(opts.username, password, true);
        print(
          cli,
          { dataDir: ws.dataDir, central, bootstrapped: true, operator: created, signedIn: kept },
          () =>
            process.stdout.write(
              kept
                ? `Initialised ${ws.dataDir} (central: ${central}). Super-admin "${created.username}" created and signed in.\n`
                : `Initialised ${ws.dataDir} (central: ${central}). Super-admin "${created.username}" created. ` +
                    `The environment credential store keeps no session: each command signs in with TREASURY_USERNAME and TREASURY_PASSWORD.\n`,
            ),
        );
      }),
    );

  program
    .command('login')
    .description('sign in (password from TREASURY_PASSWORD or a prompt)')
    .requiredOption('--username <name>', 'operator username')
    .action(
      run(async (cli) => {
        const { username } = program.commands
          .find((c) => c.name() === 'login')!
          .opts<{ username: string }>();
        const password = process.env.TREASURY_PASSWORD ?? (await readSecret('Password: '));
        const ws = await cli.workstation();
        await cli.signIn(username, password, cli.keepsSessions(ws));
        const me = await cli.call('session.whoami', {});
        print(cli, me, () => process.stdout.write(`Signed in as ${username}.\n`));
      }),
    );

  program
    .command('logout')
    .description('end the session')
    .action(
      run(async (cli) => {
        const ws = await cli.workstation();
        const token = await ws.credentials.get(sessionAccount(ws));
        if (token) {
          await cli.call('session.signOut', { token });
          await ws.credentials.delete(sessionAccount(ws));
        }
        print(cli, { signedOut: Boolean(token) }, () =>
          process.stdout.write(token ? 'Signed out.\n' : 'Not signed in.\n'),
        );
      }),
    );

  program
    .command('whoami')
    .description('the signed-in operator')
    .action(
      run(async (cli) => {
        const me = await cli.call<{ username: string; role: string }>('session.whoami', {});
        const ws = await cli.workstation();
        const credentials = await credentialInfo(ws);
        print(cli, { ...me, workstation: ws.id, credentials }, () =>
          process.stdout.write(
            `${me.username} (${me.role})\ncredentials: ${credentials.label}${credentials.note ? ` — ${credentials.note}` : ''}\n`,
          ),
        );
      }),
    );

  program
    .command('console')
    .description(
      'the console in a browser: `console link` asks the running host for a new one-time sign-in link',
    )
    .command('link')
    .description(
      'print a new one-time link from the console host running on this data dir (npm start / npm run start:browser)',
    )
    .action(
      run(async (cli) => {
        const { requestLink } = await import('../browser-host/control.js');
        let url: string;
        try {
          url = await requestLink(cli.dataDir());
        } catch (error) {
          throw new TreasuryError(
            (error as { code?: string }).code === 'NOT_FOUND' ? 'NOT_FOUND' : 'INTERNAL',
            (error as Error).message,
          );
        }
        print(cli, { url }, () =>
          process.stdout.write(`Open this link once in your browser:\n  ${url}\n`),
        );
      }),
    );

  program
    .command('demo')
    .description(
      'generate deterministic demo affiliates and conversions (and the example rules if none are set)',
    )
    .requiredOption('--affiliates <n>', 'number of affiliates', wholeNumber('affiliates'))
    .requiredOption('--conversions <n>', 'number of conversions', wholeNumber('conversions'))
    .option('--seed <n>', 'random seed', wholeNumber('seed'), 1)
    .option(
      '--until <date>',
      'conversions fall in the 180 days before this date (default: today, UTC)',
    )
    .action(
      run(async (cli) => {
        const o = program.commands
          .find((c) => c.name() === 'demo')!
          .opts<{ affiliates: number; conversions: number; seed: number; until?: string }>();
        const result = await cli.call<{ affiliates: number; conversions: number; until: string }>(
          'demo.generate',
          o,
        );
        print(cli, result, () =>
          process.stdout.write(
            `Generated ${result.affiliates} affiliates and ${result.conversions} conversions up to ${result.until}.\n`,
          ),
        );
      }),
    );

  program
    .command('import')
    .description(
      'import a CSV file (whole: every problem is listed and nothing is written unless the whole file is valid)',
    )
    .argument('<kind>', 'affiliates | conversions')
    .argument('<file>', 'CSV file')
    .action(
      run(async (cli, kind: unknown, file: unknown) => {
        if (kind !== 'affiliates' && kind !== 'conversions') {
          throw new TreasuryError(
            'VALIDATION',
            `import what? "${String(kind)}" is not affiliates or conversions`,
          );
        }
        const result = await cli.call<{
          rows: number;
          inserted: number;
          updated: number;
          unchanged: number;
        }>(`${kind}.import`, {
          file: path.resolve(String(file)),
        });
        print(cli, result, () =>
          process.stdout.write(
            `${result.rows} rows: ${result.inserted} new, ${result.updated} updated, ${result.unchanged} unchanged.\n`,
          ),
        );
      }),
    );

  const rules = program
    .command('rules')
    .description('commission rules (versioned, effective-dated)');
  rules
    .command('show')
    .description('show the rule versions')
    .action(
      run(async (cli) => {
        const result = await cli.call<{
          current: number | null;
          versions: { version: number; effectiveFrom: string; body: unknown }[];
        }>('rules.show', {});
        print(cli, result, () => {
          const current = result.versions.find((v) => v.version === result.current);
          printTable(
            result.versions.map((v) => ({
              version: v.version,
              effective_from: v.effectiveFrom,
              current: v.version === result.current ? 'yes' : '',
            })),
            ['version', 'effective_from', 'current'],
          );
          if (current) process.stdout.write(JSON.stringify(current.body, null, 2) + '\n');
        });
      }),
    );
  rules
    .command('set')
    .description('add a rule version from a JSON file (see examples/rules.json)')
    .argument('<file>', 'rules JSON')
    .option(
      '--effective-from <date>',
      'when it takes effect (default: now; the first version: all history)',
    )
    .action(
      run(async (cli, file: unknown) => {
        const { effectiveFrom } = rules.commands
          .find((c) => c.name() === 'set')!
          .opts<{ effectiveFrom?: string }>();
        let body: unknown;
        try {
          body = JSON.parse(readFileSync(String(file), 'utf8'));
        } catch (error) {
          throw new TreasuryError('RULES_INVALID', `${String(file)}: ${(error as Error).message}`, [
            { file: String(file), message: (error as Error).message },
          ]);
        }
        const result = await cli.call<{ version: number; effectiveFrom: string }>('rules.set', {
          body,
          effectiveFrom,
        });
        print(cli, result, () =>
          process.stdout.write(
            `Rule version ${result.version} takes effect ${result.effectiveFrom}.\n`,
          ),
        );
      }),
    );

  program
    .command('calc')
    .description(
      'calculate commissions from conversions (deterministic; paid or batched commissions get adjustments, never rewrites)',
    )
    .option('--as-of <date>', 'instant the hold periods are measured against (default: now)')
    .action(
      run(async (cli) => {
        const { asOf } = program.commands
          .find((c) => c.name() === 'calc')!
          .opts<{ asOf?: string }>();
        const s = await cli.call<{
          conversions: number;
          inserted: number;
          updated: number;
          unchanged: number;
          lockedUnchanged: number;
          adjustments: { created: number };
          errors: { total: number; first: { conversionId: string; message: string }[] };
        }>('commissions.calculate', { asOf });
        print(cli, s, () => {
          process.stdout.write(
            `${s.conversions} conversions: ${s.inserted} commissions new, ${s.updated} updated, ${s.unchanged + s.lockedUnchanged} unchanged; ` +
              `${s.adjustments.created} adjustments; ${s.errors.total} conversions without a commission.\n`,
          );
          for (const e of s.errors.first.slice(0, 10))
            process.stdout.write(`  - ${e.conversionId}: ${e.message}\n`);
        });
      }),
    );

  program
    .command('payables')
    .description('what each affiliate can be paid now, per currency, with eligibility')
    .option('--currency <code>', 'only this currency')
    .action(
      run(async (cli) => {
        const { currency } = program.commands
          .find((c) => c.name() === 'payables')!
          .opts<{ currency?: string }>();
        const list = await cli.call<Record<string, unknown>[]>('payables.list', { currency });
        print(cli, list, () =>
          printTable(
            list.map((r) => ({ ...r, eligible: r.eligible ? 'yes' : 'no' })),
            [
              'affiliateId',
              'currency',
              'payable',
              'pending',
              'adjustments',
              'commissionCount',
              'eligible',
              'reasons',
            ],
          ),
        );
      }),
    );

  registerBatchCommands(program, run as never);
  registerExceptionCommands(program, run as never);
  registerAffiliateCommands(program, run as never);
  registerReportCommands(program, run as never);
  registerOperatorCommands(program, run as never);
  registerAuditCommands(program, run as never);
  registerEventCommands(program, run as never);
  registerSecurityCommands(program, run as never);
  registerSyncCommands(program, run as never);
  registerJobCommands(program, run as never);
  registerMaintenanceCommands(program, run as never);
  registerDiagnosticsCommand(program, run as never);
  registerTrackingCommands(program, run as never, async (host, address, port) => {
    const { own: ws, attachedTo } = await (host as unknown as Cli).workstation();
    if (!ws)
      throw new TreasuryError(
        'STORE_BUSY',
        `the webhook relay works on the central store itself, and the console host (process ${attachedTo?.pid}) has it open: stop the host, or run the relay against a central Postgres`,
      );
    const { startWebhookRelay, webhookSecretsFromCredentials } =
      await import('../core/domain/webhooks/relay.js');
    const relay = await startWebhookRelay({
      store: ws.central,
      host: address,
      port,
      ...(await webhookSecretsFromCredentials(ws.credentials, ws.central.db)),
    });
    process.stderr.write(
      `webhook relay listening on ${relay.url} (POST /webhooks/xendit, /webhooks/rise); Ctrl-C to stop\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await relay.close();
  });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  ownerOnlyUmask();
  let exitCode = 0;
  let json = argv.includes('--json');
  const run =
    (fn: (cli: Cli, ...args: unknown[]) => Promise<void>) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      const options = command.optsWithGlobals<GlobalOptions>();
      json = Boolean(options.json);
      const cli = new Cli(options);
      try {
        // Positional arguments, then the command's own options (commands registered elsewhere read
        // them here).
        await fn(cli, ...args.slice(0, -2), args.at(-2));
      } finally {
        await cli.close();
      }
    };
  const program = buildProgram(run);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version are not errors; everything else commander rejects is the user's input.
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' ? 0 : 1;
    }
    const e = toTreasuryError(error);
    printError(e, json);
    exitCode = e.kind === 'user' ? 1 : 2;
    if (e.kind === 'internal' && process.env.TREASURY_DEBUG)
      process.stderr.write(String((error as Error).stack) + '\n');
  }
  // A command may set process.exitCode itself (audit verify: 1 when the chain is broken, after
  // printing why).
  return exitCode !== 0 ? exitCode : Number(process.exitCode ?? 0);
}
