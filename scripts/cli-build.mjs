/**
 * The CLI runs from a build, never from a stale one. `ensureCliBuilt()` returns the entry of a
 * bundle of src/cli/main.ts (esbuild, ESM, split at every dynamic import so that the database,
 * SQLite and provider modules load only when a command needs them), building it first when it is
 * missing or when any of its source files changed since it was built.
 *
 * "Changed" is judged from the build's manifest: every source file esbuild read, with its size and
 * modification time. Checking ~300 files is a millisecond or two; a rebuild takes well under a
 * second. Dependencies in node_modules are not bundled (they are imported from there, so an
 * `npm install` never leaves an old copy of one in the bundle).
 *
 * Builds are written to their own folder and published by renaming a small pointer file, so two
 * commands starting at once never see half a build; older builds are removed after an hour (a
 * command still running from one keeps working until then).
 */
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'out', 'cli');
const pointer = path.join(outDir, 'current.json');
const KEEP_OLD_MS = 60 * 60 * 1000;

/** The current build when every input is as it was built; null otherwise. */
function upToDate() {
  let current;
  try {
    current = JSON.parse(readFileSync(pointer, 'utf8'));
  } catch {
    return null;
  }
  for (const [file, size, mtimeMs] of current.inputs) {
    const st = statSync(path.join(root, file), { throwIfNoEntry: false });
    if (!st || st.size !== size || st.mtimeMs !== mtimeMs) return null;
  }
  const entry = path.join(outDir, current.dir, 'main.js');
  return existsSync(entry) ? entry : null;
}

export async function buildCli() {
  const { build } = await import('esbuild');
  const dir = `build-${Date.now()}-${randomBytes(3).toString('hex')}`;
  const started = Date.now();
  const result = await build({
    absWorkingDir: root,
    entryPoints: { main: 'src/cli/main.ts' },
    outdir: path.join(outDir, dir),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    metafile: true,
    logLevel: 'error',
    // Code that runs from src/ (tsx) finds its resources by walking up from its own file; from
    // out/cli/<build>/ the same walk reaches the checkout's root.
    banner: {
      js: "import { createRequire as __treasuryRequire } from 'node:module'; const require = __treasuryRequire(import.meta.url);",
    },
  });
  const inputs = Object.keys(result.metafile.inputs)
    .filter((f) => !f.includes('node_modules'))
    .map((f) => {
      const st = statSync(path.join(root, f));
      return [f, st.size, st.mtimeMs];
    });
  const temp = `${pointer}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(
    temp,
    JSON.stringify({ dir, builtAt: new Date().toISOString(), ms: Date.now() - started, inputs }),
  );
  renameSync(temp, pointer);
  removeOldBuilds(dir);
  return path.join(outDir, dir, 'main.js');
}

function removeOldBuilds(keep) {
  for (const name of readdirSync(outDir)) {
    if (!name.startsWith('build-') || name === keep) continue;
    const full = path.join(outDir, name);
    if (Date.now() - statSync(full).mtimeMs > KEEP_OLD_MS)
      rmSync(full, { recursive: true, force: true });
  }
}

/** The built CLI's entry (a file URL), built first when missing or stale. */
export async function ensureCliBuilt() {
  const entry = upToDate() ?? (mkdirSync(outDir, { recursive: true }), await buildCli());
  return pathToFileURL(entry).href;
}

// `node scripts/cli-build.mjs` (postinstall, npm test): build now if needed, say what happened.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const fresh = upToDate();
  if (fresh) process.stdout.write(`CLI build up to date (${path.relative(root, fresh)})\n`);
  else
    process.stdout.write(
      `CLI built: ${path.relative(root, fileURLToPath(await ensureCliBuilt()))}\n`,
    );
}
