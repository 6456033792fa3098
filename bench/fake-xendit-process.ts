/**
 * The fake Xendit in its own process for bench:execute, as a real provider would be: the executor
 * under measurement does not share its CPU with the server. Talks to the parent over IPC.
 */
import { startFakeXendit } from '../test/fakes/xendit.js';

const fake = await startFakeXendit({ seed: 1 });
process.send!({ type: 'ready', url: fake.url, secretKey: fake.secretKey });
process.on('message', (m: { type: string }) => {
  if (m.type === 'stats') {
    const twice = [...fake.successfulByReference().values()].filter((n) => n > 1).length;
    const st = fake.stats();
    process.send!({
      type: 'stats',
      busyMs: st.busyMs,
      createRequests: st.createRequests,
      twice,
      succeeded: st.byStatus.SUCCEEDED ?? 0,
    });
  }
  if (m.type === 'close') void fake.close().then(() => process.exit(0));
});
