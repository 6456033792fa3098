#!/usr/bin/env node
/**
 * Patches the installed postgres.js (run by `postinstall`, idempotent): a connection lost while a
 * transaction runs must fail that transaction, not crash the process.
 *
 * postgres.js 3.4.9 writes through `socket.write` from a setImmediate callback. When the central
 * store's connection is lost in the middle of a transaction (a network cut, a restarted server),
 * the transaction's callback fails and the driver sends ROLLBACK on the dead connection: the write
 * runs on a socket already set to null and throws a TypeError from a timer, which no caller can
 * catch — the CLI, or the workstation thread, dies (found by test/drills/drill-sync.test.ts; upstream:
 * porsager/postgres#1208, #1154, fixes proposed in #1168 and #1209, not released). And a connection
 * closed while a small write was still buffered keeps a stale timer, so once reconnected it never
 * sends anything again.
 *
 * The patch: a write with no socket fails the waiting queries with CONNECTION_CLOSED (what the
 * driver says for a lost connection, which the product maps to CENTRAL_UNAVAILABLE), and a closed
 * connection forgets its buffered write and timer. When postgres.js changes, this script fails
 * loudly instead of guessing: check whether the upstream fix is released, then update or remove it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MARK = '/* treasury: patched, see scripts/patch-postgres.mjs */';

const EDITS = [
  {
    what: 'a write with no socket fails the waiting queries',
    from: `  function nextWrite(fn) {
    const x = socket.write(chunk, fn)`,
    to: `  function nextWrite(fn) {
    if (!socket) { ${MARK}
      nextWriteTimer !== null && clearImmediate(nextWriteTimer)
      chunk = nextWriteTimer = null
      error(Errors.connection('CONNECTION_CLOSED', options, socket))
      return false
    }
    const x = socket.write(chunk, fn)`,
  },
  {
    what: 'a closed connection forgets its buffered write',
    from: `  async function closed(hadError) {
    incoming = Buffer.alloc(0)
    remaining = 0
    incomings = null
    clearImmediate(nextWriteTimer)`,
    to: `  async function closed(hadError) {
    incoming = Buffer.alloc(0)
    remaining = 0
    incomings = null
    clearImmediate(nextWriteTimer)
    chunk = nextWriteTimer = null ${MARK}`,
  },
];

const files = ['src', 'cjs/src', 'cf/src']
  .map((dir) => path.join(root, 'node_modules', 'postgres', dir, 'connection.js'))
  .filter((f) => existsSync(f));
if (files.length === 0) {
  console.error('patch-postgres: node_modules/postgres is not installed');
  process.exit(1);
}
const { version } = JSON.parse(
  readFileSync(path.join(root, 'node_modules', 'postgres', 'package.json'), 'utf8'),
);
let failed = false;
for (const file of files) {
  let text = readFileSync(file, 'utf8');
  let changed = false;
  for (const edit of EDITS) {
    if (text.includes(edit.to)) continue;
    if (!text.includes(edit.from)) {
      console.error(
        `patch-postgres: ${path.relative(root, file)} (postgres ${version}) does not have the code this patch expects (${edit.what}). ` +
          'Check whether porsager/postgres#1208 is fixed in this version, then update or remove scripts/patch-postgres.mjs.',
      );
      failed = true;
      continue;
    }
    text = text.replace(edit.from, edit.to);
    changed = true;
  }
  if (changed) writeFileSync(file, text);
}
process.exit(failed ? 1 : 0);
