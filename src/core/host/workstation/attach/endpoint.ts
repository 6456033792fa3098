/**
 * One data dir, many doors. While a host (the console in Electron, the browser host) holds a data
 * dir's workstation — and with it the embedded central store, which one process at a time may open
 * — a CLI command on the same data dir attaches to it here instead of failing with "in use", and
 * runs the same router calls with its own operator session: the same authentication, permission, IP
 * check and audit entry as any call, because the call goes through the host's workstation door.
 *
 * The endpoint is HTTP over a Unix socket in the data dir (a named pipe on Windows): the data dir
 * is 0700 and the socket 0600, so only this OS user reaches it — the user who could already open
 * the data dir's files. A call's answer is streamed as JSON lines: its progress events as they
 * happen, then the result.
 */
import { chmodSync, existsSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { toWire } from '../../bridge/envelope.js';
import { toTreasuryError } from '../../../shared/errors.js';
import type { WorkstationDoor } from '../thread/door.js';

/** Where the endpoint listens for a data dir (its workstation id names the pipe on Windows). */
export function attachAddress(dataDir: string, workstationId: string): string {
  return process.platform === 'win32'
    ? `\\\\.\\pipe\\treasury-console-${workstationId}`
    : path.join(dataDir, 'workstation.sock');
}

/** What the endpoint says about the workstation it serves (never a secret). */
export interface AttachHello {
  id: string;
  dataDir: string;
  /** Where its central store is, safe to print (compared with the CLI's --central). */
  central: string;
  credentialStore: WorkstationDoor['credentialStore'];
  /**
   * The calls that ask for the password again: the CLI prompts for them without loading the
   * catalog.
   */
  stepUp: readonly string[];
  pid: number;
}

export const attachCallSchema = z
  .object({
    name: z.string().min(1).max(100),
    payload: z.unknown(),
    session: z.string().min(1).max(200).nullable(),
    id: z.string().uuid().optional(),
  })
  .strict();

/** One line of a call's answer. */
export type AttachLine =
  | { progress: unknown }
  | { ok: true; wire: string }
  | { ok: false; error: ReturnType<ReturnType<typeof toTreasuryError>['toJSON']> };

const MAX_BODY = 1 << 20;

export interface AttachEndpoint {
  readonly address: string;
  close(): Promise<void>;
}

/**
 * Serves the door on the data dir's socket until closed; a stale socket left by a dead host is
 * replaced.
 */
export async function serveAttach(door: WorkstationDoor): Promise<AttachEndpoint> {
  const address = attachAddress(door.dataDir, door.id);
  if (process.platform !== 'win32' && existsSync(address)) {
    if (await answers(address))
      throw new Error(`another host already serves ${door.dataDir} at ${address}`);
    rmSync(address, { force: true });
  }
  const server = http.createServer((req, res) => void handle(door, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address, () => resolve());
  });
  if (process.platform !== 'win32') chmodSync(address, 0o600);
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  door: WorkstationDoor,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  if (req.method === 'GET' && req.url === '/hello') {
    const c = await door.connectivity();
    const hello: AttachHello = {
      id: door.id,
      dataDir: door.dataDir,
      central: c.central,
      credentialStore: door.credentialStore,
      stepUp: door.stepUpNames ?? [],
      pid: process.pid,
    };
    return json(res, 200, hello);
  }
  if (req.method === 'GET' && req.url === '/connectivity')
    return json(res, 200, await door.connectivity());
  if (req.method !== 'POST' || req.url !== '/call')
    return json(res, 404, { error: 'POST /call, GET /hello or GET /connectivity' });
  const body = await readBody(req);
  const parsed = body === null ? null : attachCallSchema.safeParse(safeJson(body));
  if (!parsed?.success)
    return json(res, 400, {
      error: 'a call is { name, payload, session, id? } as JSON, at most 1 MiB',
    });
  res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  const line = (l: AttachLine) => res.write(JSON.stringify(l) + '\n');
  try {
    const value = await door.call({
      ...parsed.data,
      workstationId: door.id,
      onProgress: (progress) => line({ progress }),
    });
    line({ ok: true, wire: toWire(value ?? null) });
  } catch (error) {
    line({ ok: false, error: toTreasuryError(error).toJSON() });
  }
  res.end();
}

function json(res: http.ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(value));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function readBody(req: http.IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        resolve(null);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(null));
  });
}

/** Whether something answers on the socket (a live host) or not (a file a dead host left). */
export function answers(address: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(address);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
