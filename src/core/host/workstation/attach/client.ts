/**
 * The CLI's side of endpoint.ts: a workstation door over the data dir's socket, when a host holds
 * the workstation. Each call is one HTTP request; its progress events arrive as lines before its
 * result. A host that goes away mid-call gives a clear error, never a hang or a silent success.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import { TreasuryError, type ErrorCode } from '../../../shared/errors.js';
import type { Call, Progress } from '../../../platform/kernel/router.js';
import { readWorkstationId } from '../../../platform/files/paths.js';
import type { Connectivity } from '../workstation.js';
import type { WorkstationDoor } from '../thread/door.js';
import { attachAddress, type AttachHello, type AttachLine } from './endpoint.js';

export interface AttachedDoor extends WorkstationDoor {
  /** The host's process id and central store (what the CLI tells the operator it attached to). */
  readonly hello: AttachHello;
}

/**
 * The door of the host serving this data dir, or null when none answers (then the CLI opens it
 * itself).
 */
export async function attachWorkstation(dataDir: string): Promise<AttachedDoor | null> {
  const { id } = readWorkstationId(dataDir);
  if (!id) return null;
  const address = attachAddress(dataDir, id);
  if (process.platform !== 'win32' && !existsSync(address)) return null;
  let hello: AttachHello;
  try {
    hello = JSON.parse(
      await request(address, 'GET', '/hello', null, undefined, 2000),
    ) as AttachHello;
  } catch {
    return null; // a socket a dead host left behind: nobody serves this data dir
  }
  const gone = (error: Error) =>
    new TreasuryError(
      'CENTRAL_UNAVAILABLE',
      `the console host (process ${hello.pid}) serving ${dataDir} stopped answering during the call: ${error.message}. If this was a change, it may or may not have been applied: run it again with the same command id, or check with \`batch show\` / \`audit tail\``,
    );
  return {
    id: hello.id,
    dataDir: hello.dataDir,
    credentialStore: hello.credentialStore,
    hello,
    async call<O>(c: Call): Promise<O> {
      const { onProgress, name, payload, session, id: commandId } = c;
      let body: string;
      try {
        body = await request(
          address,
          'POST',
          '/call',
          JSON.stringify({
            name,
            payload: payload ?? {},
            session: session ?? null,
            ...(commandId ? { id: commandId } : {}),
          }),
          onProgress,
        );
      } catch (error) {
        throw gone(error as Error);
      }
      if (!body) throw gone(new Error('the answer ended before its result'));
      const last = JSON.parse(body) as AttachLine;
      if ('progress' in last) throw gone(new Error('the answer ended before its result'));
      if (!last.ok)
        throw new TreasuryError(
          last.error.code as ErrorCode,
          last.error.message,
          last.error.problems,
        );
      return JSON.parse(last.wire) as O;
    },
    connectivity: async () =>
      JSON.parse(await request(address, 'GET', '/connectivity', null)) as Connectivity,
    close: async () => {},
  };
}

/**
 * One request over the socket. For a call, progress lines go to `onProgress` as they arrive and
 * the answer's line is returned. An answer without its end is an error.
 */
function request(
  socketPath: string,
  method: string,
  path: string,
  body: string | null,
  onProgress?: (p: Progress) => void,
  timeoutMs?: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, method, path, headers: body ? { 'content-type': 'application/json' } : {} },
      (res) => {
        res.setEncoding('utf8');
        let pending = '';
        const lines: string[] = [];
        // Progress events are handed on as they arrive; any other line is the answer.
        const take = (line: string) => {
          if (!line) return;
          if (line.startsWith('{"progress":')) deliver(line, onProgress);
          else lines.push(line);
        };
        res.on('data', (chunk: string) => {
          pending += chunk;
          let nl: number;
          while ((nl = pending.indexOf('\n')) >= 0) {
            take(pending.slice(0, nl));
            pending = pending.slice(nl + 1);
          }
        });
        res.on('end', () => {
          take(pending);
          if (res.statusCode !== 200)
            return reject(new Error(`HTTP ${res.statusCode}: ${lines[0] ?? ''}`));
          if (!res.complete) return reject(new Error('the connection closed mid-answer'));
          resolve(lines[0] ?? '');
        });
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('the connection closed mid-answer')));
      },
    );
    if (timeoutMs) req.setTimeout(timeoutMs, () => req.destroy(new Error('no answer')));
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

function deliver(line: string, onProgress?: (p: Progress) => void): void {
  const parsed = JSON.parse(line) as AttachLine;
  if ('progress' in parsed) onProgress?.(parsed.progress as Progress);
}
