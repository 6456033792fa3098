/**
 * How `treasury console link` reaches a running browser host: the host writes
 * `<data dir>/browser-host.json` (owner-only: only this OS user, who could read the host's terminal
 * anyway, can use it) with its address and a random control token. The CLI presents the token to
 * `POST /host/link` and gets a new one-time link — no restart needed.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const CONTROL_PATH = '/host/link';
export const hostFile = (dataDir: string) => path.join(dataDir, 'browser-host.json');

const hostFileSchema = z.object({
  pid: z.number().int(),
  origin: z.string().url(),
  control: z.string().min(32),
});
export type HostFile = z.infer<typeof hostFileSchema>;

export function newControlToken(): string {
  return randomBytes(32).toString('base64url');
}

export function writeHostFile(dataDir: string, entry: HostFile): void {
  const file = hostFile(dataDir);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(entry) + '\n', { mode: 0o600 });
  renameSync(temp, file);
}

/** Removes the file if it is still this host's (another host may have started since). */
export function removeHostFile(dataDir: string, control: string): void {
  if (readHostFile(dataDir)?.control === control) rmSync(hostFile(dataDir), { force: true });
}

export function readHostFile(dataDir: string): HostFile | null {
  try {
    const parsed = hostFileSchema.safeParse(JSON.parse(readFileSync(hostFile(dataDir), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Asks the running host for a new link; a clear error when none runs for this data dir. */
export async function requestLink(dataDir: string): Promise<string> {
  const entry = readHostFile(dataDir);
  const none = `no console host is running for ${dataDir} (start it with \`npm start\` or \`npm run start:browser\`)`;
  if (!entry) throw Object.assign(new Error(none), { code: 'NOT_FOUND' });
  let response: Response;
  try {
    response = await fetch(entry.origin + CONTROL_PATH, {
      method: 'POST',
      headers: { authorization: `Bearer ${entry.control}` },
      signal: AbortSignal.timeout(5_000),
    });
  } catch {
    throw Object.assign(
      new Error(
        `${none}; a stale ${hostFile(dataDir)} names ${entry.origin}, where nothing answers`,
      ),
      { code: 'NOT_FOUND' },
    );
  }
  const body = (await response.json().catch(() => null)) as { url?: string } | null;
  if (!response.ok || !body?.url)
    throw new Error(
      `the console host at ${entry.origin} refused to print a new link (HTTP ${response.status})`,
    );
  return body.url;
}
