/**
 * A page's poll says it is a background call (CallOptions.background): the envelope takes the flag
 * and the session host hands it to the workstation's door with the call, as it does the session;
 * a call without it is the operator's own. What the router then does with it is in
 * test/platform/kernel/router-idle.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { BridgeSession } from '../../../src/core/host/bridge/session-host.js';
import type { WorkstationDoor } from '../../../src/core/host/workstation/thread/door.js';
import type { Call } from '../../../src/core/platform/kernel/router.js';

function recordingDoor(): WorkstationDoor & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    id: 'ws-test',
    dataDir: '/nowhere',
    credentialStore: { kind: 'keychain', label: 'test', fallback: false, note: null },
    calls,
    call: async <O>(c: Call) => {
      calls.push(c);
      return (
        c.name === 'session.signIn'
          ? { ok: true, token: 'held-here', operator: { username: 'admin' } }
          : {}
      ) as O;
    },
    connectivity: async () => ({ online: true, reason: null, checkedAt: '', central: 'test' }),
    close: async () => undefined,
  } as WorkstationDoor & { calls: Call[] };
}

describe('background calls across the bridge', () => {
  it('the flag reaches the door with the session; without it a call is the operator’s', async () => {
    const door = recordingDoor();
    const bridge = new BridgeSession(door, () => undefined);
    await bridge.call({ name: 'session.signIn', payload: { username: 'admin', password: 'x' } });
    expect(await bridge.call({ name: 'sync.status', payload: {}, background: true })).toEqual({
      ok: true,
      value: {},
    });
    await bridge.call({ name: 'sync.status', payload: {} });
    const [, polled, own] = door.calls;
    expect(polled).toMatchObject({ name: 'sync.status', session: 'held-here', background: true });
    expect(own!.background).toBeUndefined();
  });

  it('a flag that is not true or false is refused by the envelope', async () => {
    const door = recordingDoor();
    const bridge = new BridgeSession(door, () => undefined);
    const refused = await bridge.call({ name: 'sync.status', payload: {}, background: 'yes' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(door.calls).toEqual([]);
  });
});
