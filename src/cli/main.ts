/**
 * `treasury`: the command-line host. Like the Electron main process, it only parses arguments,
 * resolves the signed-in operator and sends calls through the workstation's router.
 * Exit codes: 0 ok, 1 the user's error (the message says what and where), 2 internal error.
 */
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { assert } from '../core/shared/assert.js';
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
import { registerAuditCommands } from './audit.js';
import { registerBatchCommands } from './batches.js';
import { registerOperatorCommands } from './operators.js';
import { registerEventCommands, registerTrackingCommands } from './payouts.js';
import { registerSecurityCommands } from './security.js';
import { registerSyncCommands } from './sync.js';
import {
  registerCalculationCommands,
  registerDataCommands,
  registerRuleCommands,
} from './commissions.js';
import { endProgress, printError, progressReporter, type Run } from './output.js';
import { readSecret } from './prompt.js';
import {
  credentialInfo,
  registerConsoleCommand,
  registerSessionCommands,
  sessionAccount,
} from './session.js';

interface GlobalOptions {
  dataDir?: string;
  central?: string;
  offline?: boolean;
  json?: boolean;
}

// The router, the stores and the providers load only when a command needs them: `--version` and
// `--help` start in a fraction of a second.
let stepUpNames: Promise<Set<string>> | null = null;
const needsStepUpAlways = async (name: string) => {
  stepUpNames ??= import('../core/host/catalog.js').then(
    ({ DEFINITIONS }) => new Set(DEFINITIONS.filter((d) => d.stepUp).map((d) => d.name)),
  );
  return (await stepUpNames).has(name);
};

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
  const program = newProgram();
  registerSessionCommands(program, run);
  registerConsoleCommand(program, run);
  registerDataCommands(program, run);
  registerRuleCommands(program, run);
  registerCalculationCommands(program, run);
  registerBatchCommands(program, run);
  registerExceptionCommands(program, run);
  registerAffiliateCommands(program, run);
  registerReportCommands(program, run);
  registerOperatorCommands(program, run);
  registerAuditCommands(program, run);
  registerEventCommands(program, run);
  registerSecurityCommands(program, run);
  registerSyncCommands(program, run);
  registerJobCommands(program, run);
  registerMaintenanceCommands(program, run);
  registerDiagnosticsCommand(program, run);
  registerTrackingCommands(program, run, (cli, address, port) => {
    assert(cli instanceof Cli, "every action of this program is given the program's own Cli");
    return runWebhookRelay(cli, address, port);
  });
  return program;
}

/** The program and its global options (each command group adds its commands to it). */
function newProgram(): Command {
  return new Command('treasury')
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
}

/**
 * `tracking relay`: the webhook relay on this process's own central store, until Ctrl-C. It needs
 * the store itself, so not through a console host that has it open.
 */
async function runWebhookRelay(cli: Cli, address: string, port: number): Promise<void> {
  const { own: ws, attachedTo } = await cli.workstation();
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
