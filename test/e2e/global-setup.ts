/**
 * Starts the harness (harness.ts, under tsx, in its own process) and waits for the one JSON line it
 * prints: the hosts' one-time links. The tests read it from TREASURY_E2E. The teardown stops it.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

export default async function globalSetup(): Promise<() => Promise<void>> {
  const root = path.resolve(import.meta.dirname, '../..');
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/e2e/harness.ts'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) =>
      reject(new Error(`the e2e harness exited (${code}) before it was ready`)),
    );
  });
  process.env.TREASURY_E2E = line;
  return async () => {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  };
}
