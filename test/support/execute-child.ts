/**
 * A separate executor process for the crash test: `batch.execute` through the router against the
 * central Postgres and the fake Xendit given in the environment. The parent SIGKILLs it at a random
 * moment; nothing here may depend on exiting cleanly.
 *
 * Env: CHILD_CENTRAL_URL, CHILD_DATA_DIR, CHILD_TOKEN, CHILD_BATCH, CHILD_XENDIT_URL,
 * CHILD_XENDIT_KEY. Prints READY when the call starts and RESULT <json> or ERROR <code> at the end.
 */
import { randomUUID } from 'node:crypto';
import { xenditProvider } from '../../src/core/domain/providers/xendit/client.js';
import { openWorkstation } from '../../src/core/host/workstation/workstation.js';
import { ADMIN_PASSWORD } from './workstation.js';

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const ws = await openWorkstation({
  dataDir: env('CHILD_DATA_DIR'),
  centralUrl: env('CHILD_CENTRAL_URL'),
  credentials: {
    kind: 'keychain',
    get: async () => null,
    set: async () => {},
    delete: async () => false,
  },
  providers: async () =>
    xenditProvider({
      baseUrl: env('CHILD_XENDIT_URL'),
      secretKey: env('CHILD_XENDIT_KEY'),
      timeoutMs: 300,
    }),
});
try {
  // The test's session is minutes old: confirm the password first (step-up), as an operator would;
  // READY after it, so the parent's kill timer counts from the start of execution.
  await ws.router.call({
    name: 'session.stepUp',
    payload: { password: ADMIN_PASSWORD },
    session: env('CHILD_TOKEN'),
    workstationId: ws.id,
    id: randomUUID(),
  });
  process.stdout.write('READY\n');
  const result = await ws.router.call({
    name: 'batch.execute',
    payload: { batch: env('CHILD_BATCH'), waitMs: 20_000, concurrency: 4 },
    session: env('CHILD_TOKEN'),
    workstationId: ws.id,
    id: randomUUID(),
  });
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
} catch (error) {
  process.stdout.write(
    `ERROR ${(error as { code?: string }).code ?? 'UNKNOWN'} ${(error as Error).message}\n`,
  );
} finally {
  const closing = Date.now();
  await ws.close();
  // For a stalled child's report (crash.test.ts keeps its output): whether it was the close.
  process.stdout.write(`CLOSED in ${Date.now() - closing} ms\n`);
}
