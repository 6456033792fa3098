/**
 * CLI: setting up a data dir and signing in — `init`, `login`, `logout`, `whoami` — and `console
 * link`, which asks a running console host for a new one-time link.
 */
import type { Command } from 'commander';
import { TreasuryError } from '../core/shared/errors.js';
import { print, type Run } from './output.js';
import { readNewPassword, readSecret } from './prompt.js';
import type { CliWorkstation } from './workstation.js';

/** What these commands need of the CLI (main.ts Cli). */
export interface SessionHost {
  readonly json: boolean;
  workstation(): Promise<CliWorkstation>;
  call<O>(name: string, payload: unknown, withSession?: boolean): Promise<O>;
  /** Whether sessions outlive the command: every credential store but the environment's. */
  keepsSessions(ws: CliWorkstation): boolean;
  signIn(username: string, password: string, keep: boolean): Promise<string>;
  dataDir(): string;
}

/** The credential-store account that keeps this workstation's session token. */
export const sessionAccount = (ws: CliWorkstation) => `session:${ws.id}`;

/** Which credential store keeps the secrets, in words (loaded only when a command needs it). */
export const credentialInfo = async (ws: CliWorkstation) =>
  (await import('../core/platform/credentials/store.js')).describeCredentialStore(ws.credentials);

export function registerSessionCommands(program: Command, run: Run<SessionHost>): void {
  registerInit(program, run);
  const login = program
    .command('login')
    .description('sign in (password from TREASURY_PASSWORD or a prompt)')
    .requiredOption('--username <name>', 'operator username');
  login.action(
    run(async (cli) => {
      const { username } = login.opts<{ username: string }>();
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
}

function registerInit(program: Command, run: Run<SessionHost>): void {
  const init = program
    .command('init')
    .description(
      'set up this data dir (encrypted cache, central store) and create the first super-admin',
    )
    .option('--username <name>', 'the first super-admin', 'admin')
    .option('--display-name <name>', 'their display name');
  init.action(
    run(async (cli) => initialise(cli, init.opts<{ username: string; displayName?: string }>())),
  );
}

/**
 * `init`: the cache and the central store exist after it; on a central store without operators,
 * the first super-admin is created (and signed in, where sessions are kept).
 */
async function initialise(
  cli: SessionHost,
  opts: { username: string; displayName?: string },
): Promise<void> {
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
}

export function registerConsoleCommand(program: Command, run: Run<SessionHost>): void {
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
}
