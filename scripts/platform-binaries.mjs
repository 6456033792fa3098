#!/usr/bin/env node
/**
 * Puts back the platform binaries that `npm ci --omit=optional` leaves out (run by `postinstall`).
 *
 * The toolchain ships its native part as optional, per-platform packages: TypeScript 7's compiler
 * (`@typescript/typescript-linux-x64`), vite's bundler (`@rolldown/binding-…`), its CSS minifier
 * (`lightningcss-…`) and esbuild. `--omit=optional` is how one leaves out *our* optional module
 * (keytar, the OS keychain), but npm cannot tell the two kinds apart and drops the compilers too:
 * the type-check, the tests and the console's build then fail at once. esbuild repairs itself this
 * way; this script does the same for the rest.
 *
 * For each installed package, each optional dependency that is a platform binary for this machine
 * (the lockfile gives it `os`/`cpu`, and `libc` where it matters) and is missing on disk is fetched
 * at the exact locked version with `npm pack` (the npm registry or npm's cache), checked against the
 * lockfile's integrity hash, and unpacked where npm would have put it. On a normal install nothing is
 * missing and this does nothing.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
const packages = lock.packages ?? {};
const libc = process.report?.getReport?.().header?.glibcVersionRuntime ? 'glibc' : 'musl';

const fitsHere = (entry) =>
  (!entry.os || entry.os.includes(process.platform)) &&
  (!entry.cpu || entry.cpu.includes(process.arch)) &&
  (!entry.libc || process.platform !== 'linux' || entry.libc.includes(libc));
const isPlatformBinary = (entry) => entry.optional && (entry.os || entry.cpu);
const installed = (lockPath) => existsSync(path.join(root, lockPath, 'package.json'));

/** Where Node's resolution from package `owner` finds `name`, as the lockfile records it. */
function locate(owner, name) {
  for (let dir = owner; ;) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!dir) return null;
    const up = dir.lastIndexOf('/node_modules/');
    dir = up < 0 ? '' : dir.slice(0, up);
  }
}

const wanted = new Map();
for (const [owner, entry] of Object.entries(packages)) {
  if (owner !== '' && !installed(owner)) continue;
  for (const name of Object.keys(entry.optionalDependencies ?? {})) {
    const at = locate(owner, name);
    const dep = at ? packages[at] : null;
    if (dep && isPlatformBinary(dep) && fitsHere(dep) && !installed(at))
      wanted.set(at, { name, ...dep });
  }
}

if (wanted.size > 0) {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'treasury-platform-'));
  try {
    for (const [at, dep] of wanted) {
      const spec = `${dep.name}@${dep.version}`;
      const file = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', scratch], {
        cwd: scratch,
        encoding: 'utf8',
        shell: process.platform === 'win32',
      })
        .trim()
        .split('\n')
        .pop();
      const tarball = path.join(scratch, file);
      const [algorithm, expected] = dep.integrity.split(/-(.*)/s);
      const actual = createHash(algorithm).update(readFileSync(tarball)).digest('base64');
      if (actual !== expected)
        throw new Error(
          `${spec}: the downloaded package does not match package-lock.json's integrity hash`,
        );
      const target = path.join(root, at);
      mkdirSync(target, { recursive: true });
      execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
      process.stdout.write(`platform binary restored (left out by --omit=optional): ${spec}\n`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
