#!/usr/bin/env node
// `npm run start:browser`: the browser host, TypeScript loaded through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/browser-host/main.ts');
