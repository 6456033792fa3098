#!/usr/bin/env node
// Benchmarks are scripts that print figures, not tests: `npm run bench:calc`.
import { register } from 'tsx/esm/api';

register();
const name = process.argv[2];
const benches = {
  calc: '../bench/calc.ts',
  execute: '../bench/execute.ts',
  sync: '../bench/sync.ts',
  lag: '../bench/lag.ts',
  export: '../bench/export.ts',
  views: '../bench/views.ts',
};
if (!benches[name]) {
  process.stderr.write(`usage: bench.mjs <${Object.keys(benches).join('|')}> [options]\n`);
  process.exit(1);
}
const { main } = await import(benches[name]);
await main(process.argv.slice(3));
