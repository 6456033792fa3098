// The workstation thread's entry when running from source (browser host, tests): TypeScript loaded
// through tsx, as in bin/treasury.mjs. Electron runs the built out/main/workstation-thread.js instead.
import { register } from 'tsx/esm/api';

register();
await import('../src/core/host/workstation/thread/worker.ts');
