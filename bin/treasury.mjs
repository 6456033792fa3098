#!/usr/bin/env node
// The `treasury` CLI (also `npx treasury` from a checkout). It runs from a bundle of src/cli
// (out/cli, built by scripts/cli-build.mjs at install and again here whenever a source file changed
// since), so a command starts in a fraction of a second and never runs stale code.
import { ensureCliBuilt } from '../scripts/cli-build.mjs';

const { main } = await import(await ensureCliBuilt());
process.exitCode = await main(process.argv.slice(2));
