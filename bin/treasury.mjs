#!/usr/bin/env node
// The `treasury` CLI, runnable straight from a checkout after `npm install` (and as `npx treasury`):
// TypeScript sources are loaded through tsx's loader, so there is no build step to forget.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
