/**
 * A TCP relay in front of a real server (the test Postgres) that a test can cut and restore: the
 * central store "goes away" for the workstations connected through it, exactly as a network cut
 * does (sockets destroyed mid-stream, new connections refused), while the server itself keeps
 * running and the test can still reach it directly.
 *
 * `holdAfter(n)` stops passing the server's bytes to the clients once n more have gone through:
 * a long COPY (an initial pull) is then frozen mid-stream, for as long as the test needs to look at
 * the cache, until `stop()` cuts it. Counting bytes rather than waiting for a moment makes the cut
 * land at the same place on a fast or a slow machine.
 */
import net from 'node:net';

export interface TcpRelay {
  /** The port the relay listens on (127.0.0.1); stays the same across stop/start. */
  port(): number;
  /** `url` (a postgres:// URL) pointed at the relay instead of the server. */
  via(url: string): string;
  /** Listens again (after `stop`). */
  start(): Promise<void>;
  /** The cut: every relayed connection destroyed, new ones refused until `start`. */
  stop(): Promise<void>;
  /** Bytes passed from the server to the clients since the relay was made. */
  bytesDown(): number;
  /** From now, pass at most `bytes` more from the server; the rest waits (until `stop`). */
  holdAfter(bytes: number): void;
  /** True once a hold has stopped some of the server's bytes. */
  holding(): boolean;
}

export async function tcpRelay(target: { host: string; port: number }): Promise<TcpRelay> {
  const sockets = new Set<net.Socket>();
  const held = new Set<net.Socket>();
  let server: net.Server | null = null;
  let port = 0;
  let down = 0;
  let budget = Infinity;

  const relayConnection = (client: net.Socket) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (budget <= 0) {
        held.add(upstream);
        upstream.pause();
        return; // dropped with the connection at the cut
      }
      const pass = chunk.length <= budget ? chunk : chunk.subarray(0, budget);
      budget -= pass.length;
      down += pass.length;
      client.write(pass);
      if (pass.length < chunk.length) {
        held.add(upstream);
        upstream.pause();
      }
    });
    upstream.on('end', () => client.end());
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  };

  const relay: TcpRelay = {
    port: () => port,
    via(url) {
      const u = new URL(url);
      u.host = `127.0.0.1:${port}`;
      return u.toString();
    },
    start: () =>
      new Promise<void>((resolve, reject) => {
        budget = Infinity;
        held.clear();
        server = net.createServer(relayConnection);
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          port = (server!.address() as net.AddressInfo).port;
          resolve();
        });
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        sockets.clear();
        held.clear();
        if (!server) return resolve();
        server.close(() => resolve());
        server = null;
      }),
    bytesDown: () => down,
    holdAfter(bytes) {
      budget = bytes;
    },
    holding: () => held.size > 0,
  };
  await relay.start();
  return relay;
}
