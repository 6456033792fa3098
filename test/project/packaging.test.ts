/**
 * The packaging configuration (electron-builder.yml), checked without building an installer (the
 * Electron download is unreachable on the project's machines; docs/release.md builds them). The
 * checks read the configuration against the code and the installed dependencies: every production
 * dependency with native code is unpacked from the asar, everything the app reads at run time is
 * shipped, the Debian package depends on what keytar needs, uninstalling keeps the data dir.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { defaultDataDir } from '../../src/core/platform/files/paths.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const root = (p: string) => path.join(ROOT, p);
const read = (p: string) => readFileSync(root(p), 'utf8');

// picomatch (vite's and vitest's glob matcher) implements the same glob syntax as
// electron-builder's minimatch for the patterns used here; it ships no types of its own.
type Matcher = (path: string) => boolean;
const picomatch = createRequire(import.meta.url)('picomatch/posix.js') as (
  glob: string | string[],
  options?: { dot?: boolean },
) => Matcher;

interface Package {
  name?: string;
  version?: string;
  main?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const pkg = JSON.parse(read('package.json')) as Package;

type Target = string | { target: string; arch?: string | string[] };
interface PlatformConfig {
  target?: Target | Target[];
  icon?: string;
  [key: string]: unknown;
}
interface BuilderConfig {
  appId?: string;
  productName?: string;
  extraMetadata?: { homepage?: string; author?: { name?: string; email?: string } };
  directories?: { buildResources?: string; output?: string };
  files?: string[];
  asar?: boolean;
  asarUnpack?: string[];
  npmRebuild?: boolean;
  nodeGypRebuild?: boolean;
  artifactName?: string;
  publish?: unknown;
  icon?: string;
  linux?: PlatformConfig & { executableName?: string; category?: string; maintainer?: string };
  deb?: { depends?: string[]; recommends?: string[]; artifactName?: string };
  win?: PlatformConfig;
  nsis?: {
    oneClick?: boolean;
    deleteAppDataOnUninstall?: boolean;
    artifactName?: string;
    [key: string]: unknown;
  };
  mac?: PlatformConfig & {
    hardenedRuntime?: boolean;
    entitlements?: string;
    entitlementsInherit?: string;
    notarize?: boolean;
  };
  dmg?: { artifactName?: string };
}

function loadConfig(): BuilderConfig {
  const doc = parseDocument(read('electron-builder.yml'), { uniqueKeys: true });
  expect(
    doc.errors.map((e) => e.message),
    'electron-builder.yml must parse (no duplicate keys)',
  ).toEqual([]);
  expect(doc.warnings.map((e) => e.message)).toEqual([]);
  return doc.toJS() as BuilderConfig;
}
const config = loadConfig();

const targetNames = (p: PlatformConfig | undefined): string[] =>
  [p?.target ?? []].flat().map((t) => (typeof t === 'string' ? t : t.target));

/**
 * electron-builder's `files`: a path is shipped when a positive pattern matches and no `!` pattern
 * does.
 */
function shippedBy(patterns: string[]): Matcher {
  const include = picomatch(
    patterns.filter((p) => !p.startsWith('!')),
    { dot: true },
  );
  const exclude = patterns
    .filter((p) => p.startsWith('!'))
    .map((p) => picomatch(p.slice(1), { dot: true }));
  return (p) => include(p) && !exclude.some((x) => x(p));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(full) : [full];
  });
}

// ---------------------------------------------------------------------------------------------
// Production dependencies, as electron-builder collects them: package.json dependencies and
// optionalDependencies, transitively, resolved the way Node resolves them (nearest node_modules).
// ---------------------------------------------------------------------------------------------

interface Installed {
  name: string;
  /** Where it sits, relative to the project (the same path it gets inside the app). */
  dir: string;
}

function resolvePackageDir(name: string, from: string): string | null {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name, 'package.json');
    if (existsSync(candidate)) return path.dirname(candidate);
    if (dir === ROOT || path.dirname(dir) === dir) return null;
  }
}

function productionDependencies(): { installed: Installed[]; missingOptional: string[] } {
  const seen = new Map<string, Installed>();
  const missingOptional: string[] = [];
  const visit = (name: string, from: string, optional: boolean) => {
    const dir = resolvePackageDir(name, from);
    if (!dir) {
      // An optional dependency for another platform (e.g. @esbuild/darwin-arm64) is simply absent.
      if (optional) missingOptional.push(name);
      else
        throw new Error(
          `production dependency ${name} (needed from ${path.relative(ROOT, from) || '.'}) is not installed: run npm install`,
        );
      return;
    }
    const real = realpathSync(dir);
    if (seen.has(real)) return;
    seen.set(real, { name, dir: path.relative(ROOT, dir) });
    const p = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Package;
    for (const d of Object.keys(p.dependencies ?? {})) visit(d, dir, false);
    for (const d of Object.keys(p.optionalDependencies ?? {})) visit(d, dir, true);
  };
  for (const d of Object.keys(pkg.dependencies ?? {})) visit(d, ROOT, false);
  for (const d of Object.keys(pkg.optionalDependencies ?? {})) visit(d, ROOT, true);
  return { installed: [...seen.values()], missingOptional };
}

/**
 * The files that make a package native: its node-gyp recipe and built addons (not its own
 * node_modules).
 */
function nativeFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(root(d), { withFileTypes: true })) {
      if (e.name === 'node_modules') continue;
      const rel = path.posix.join(d, e.name);
      if (e.isDirectory()) walk(rel);
      else if (e.name === 'binding.gyp' || e.name.endsWith('.node')) out.push(rel);
    }
  };
  walk(dir.split(path.sep).join('/'));
  return out;
}

/** Reads a PNG's IHDR (width, height) — enough to know the icon is a real PNG and big enough. */
function pngSize(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (b.length < 24 || !b.subarray(0, 8).equals(signature)) throw new Error(`${file} is not a PNG`);
  if (b.toString('latin1', 12, 16) !== 'IHDR')
    throw new Error(`${file}: the first chunk is not IHDR`);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe('electron-builder.yml', () => {
  it('names the app: a reverse-DNS appId and the product name the data dir is named after', () => {
    expect(config.appId).toMatch(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*){2,}$/);
    expect(config.productName).toBe('Treasury Console');
    // On Windows and macOS the data dir is the per-user app-data folder named after the product.
    expect(
      path.win32.basename(defaultDataDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32')),
    ).toBe(config.productName);
    expect(path.basename(defaultDataDir({}, 'darwin'))).toBe(config.productName);
  });

  it('builds AppImage and deb for Linux, an NSIS installer for Windows, a dmg for macOS', () => {
    expect(targetNames(config.linux)).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(targetNames(config.win)).toContain('nsis');
    expect(targetNames(config.mac)).toContain('dmg');
  });

  it('unpacks every production dependency with native code from the asar, and nothing else', () => {
    const { installed, missingOptional } = productionDependencies();
    const unpacked = picomatch(config.asarUnpack ?? [], { dot: true });
    const native = installed
      .map((p) => ({ ...p, files: nativeFiles(p.dir) }))
      .filter((p) => p.files.length > 0);
    // It cannot pass by finding nothing: the native modules the app is built on are there (keytar
    // is optional: a machine without libsecret does not build it, and CI, which has it, must).
    const keytarBuilt = existsSync(root('node_modules/keytar/package.json'));
    if (process.env.CI === 'true')
      expect(keytarBuilt, 'CI=true: keytar must be built (libsecret-1-dev)').toBe(true);
    expect(native.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        'better-sqlite3-multiple-ciphers',
        ...(keytarBuilt ? ['keytar'] : []),
      ]),
    );
    const packed = native
      .flatMap((p) => [
        ...p.files,
        path.posix.join(p.dir.split(path.sep).join('/'), 'package.json'),
      ])
      .filter((f) => !unpacked(f));
    expect(packed, 'add an asarUnpack glob (**/node_modules/<name>/**) for these').toEqual([]);
    // PGlite loads its WASM and data bundle by URL relative to its module: unpacked too.
    const pglite = installed.find((p) => p.name === '@electric-sql/pglite');
    expect(pglite).toBeDefined();
    const assets = filesUnder(root(pglite!.dir))
      .filter((f) => /\.(wasm|data)$/.test(f))
      .map((f) => path.relative(ROOT, f).split(path.sep).join('/'));
    expect(assets.length).toBeGreaterThan(0);
    expect(assets.filter((f) => !unpacked(f))).toEqual([]);
    // The asar is still used: a pure-JavaScript dependency stays inside it.
    expect(config.asar).not.toBe(false);
    for (const plain of ['zod', 'drizzle-orm', 'commander'])
      expect(unpacked(`node_modules/${plain}/package.json`), plain).toBe(false);
    console.info(
      `[packaging] ${installed.length} production packages walked (${missingOptional.length} optional ones absent on this platform); ` +
        `native: ${native.map((p) => `${p.name} (${p.files.join(', ')})`).join('; ')}`,
    );
  });

  it('rebuilds native modules for Electron, which is a devDependency only', () => {
    expect(config.npmRebuild).toBe(true);
    // nodeGypRebuild would run node-gyp on the app itself, which has no binding.gyp.
    expect(config.nodeGypRebuild).not.toBe(true);
    expect(existsSync(root('binding.gyp'))).toBe(false);
    expect(Object.keys(pkg.devDependencies ?? {})).toContain('electron');
    // electron-builder refuses electron (and itself) among the app's dependencies.
    for (const name of ['electron', 'electron-builder', 'electron-rebuild', '@electron/rebuild']) {
      expect(Object.keys(pkg.dependencies ?? {}), name).not.toContain(name);
      expect(Object.keys(pkg.optionalDependencies ?? {}), name).not.toContain(name);
    }
  });

  it('ships the entry point and everything the app reads at run time', () => {
    const shipped = shippedBy(config.files ?? []);
    expect(pkg.main).toBe('out/main/index.js');
    expect(shipped(pkg.main!)).toBe(true);
    expect(shipped('package.json')).toBe(true);

    // What Electron's main process opens next to itself (path.join(__dirname, …) in out/main).
    const mainSource = read('src/main/index.ts');
    const beside = [...mainSource.matchAll(/path\.join\(__dirname, '([^']+)'\)/g)].map((m) =>
      path.posix.normalize(path.posix.join(path.posix.dirname(pkg.main!), m[1]!)),
    );
    expect(beside).toEqual(
      expect.arrayContaining([
        'out/preload/index.cjs',
        'out/renderer/index.html',
        'out/main/workstation-thread.js',
      ]),
    );
    // The worker is an electron-vite entry of its own, so it exists once built.
    expect(read('electron.vite.config.ts')).toMatch(
      /'workstation-thread':\s*resolve\(__dirname, 'src\/core\/host\/workstation\/thread\/worker\.ts'\)/,
    );

    // Files found at run time through resourcePath() (it walks up to the app's root).
    const sources = filesUnder(root('src')).filter((f) => f.endsWith('.ts'));
    const resources = new Map<string, string>();
    for (const f of sources)
      for (const m of readFileSync(f, 'utf8').matchAll(/resourcePath\('([^']+)'\)/g))
        resources.set(m[1]!, path.relative(ROOT, f));
    expect([...resources.keys()]).toEqual(
      expect.arrayContaining([
        'drizzle/central',
        'drizzle/local',
        'examples/rules.json',
        'package.json',
      ]),
    );
    // Not used by the packaged app: the tsx bootstrap is the worker's default entry for the browser
    // host and tests only; Electron passes its built worker as `entry`.
    const notInElectron = new Set(['bin/workstation-thread.mjs']);
    expect(mainSource).toContain("entry: path.join(__dirname, 'workstation-thread.js')");
    const missing: string[] = [];
    let checked = 0;
    for (const [rel, from] of resources) {
      if (notInElectron.has(rel)) continue;
      const full = root(rel);
      // A folder: every file in it (migrations and drizzle's meta/_journal.json); a folder that
      // only exists after a build (out/renderer): a file inside it.
      const paths =
        existsSync(full) && statSync(full).isDirectory()
          ? filesUnder(full).map((f) => path.relative(ROOT, f).split(path.sep).join('/'))
          : path.extname(rel)
            ? [rel]
            : [`${rel}/index.html`];
      expect(paths.length, `${rel} (read by ${from}) is empty`).toBeGreaterThan(0);
      for (const p of paths) {
        checked++;
        if (!shipped(p)) missing.push(`${p} (read through resourcePath('${rel}') in ${from})`);
      }
    }
    expect(missing, 'add these to files in electron-builder.yml').toEqual([]);
    expect(shipped('drizzle/central/meta/_journal.json')).toBe(true);
    expect(shipped('drizzle/local/meta/_journal.json')).toBe(true);
    // Sources, tests and tooling stay out; so do source maps.
    for (const p of [
      'src/main/index.ts',
      'test/project/packaging.test.ts',
      'drizzle/central.config.ts',
      'bin/treasury.mjs',
      'out/main/index.js.map',
      'tools/electronegativity/run.cjs',
    ])
      expect(shipped(p), p).toBe(false);
    console.info(
      `[packaging] ${resources.size} resourcePath() targets, ${checked} files checked against files`,
    );
  });

  it('uses one real PNG icon of at least 512×512 (electron-builder derives .ico and .icns from it)', () => {
    const icons = new Set(
      [config.icon, config.linux?.icon, config.win?.icon, config.mac?.icon].filter(
        (i): i is string => i !== undefined,
      ),
    );
    expect(icons.size).toBeGreaterThan(0);
    for (const icon of icons) {
      expect(
        icon.startsWith('electron/'),
        `${icon} lives under electron/ (the build resources)`,
      ).toBe(true);
      const { width, height } = pngSize(root(icon));
      expect(width, icon).toBeGreaterThanOrEqual(512);
      expect(height, icon).toBe(width);
    }
    expect(config.directories?.buildResources).toBe('electron');
  });

  it('the deb depends on libsecret (keytar) and keeps the libraries Electron needs', () => {
    const depends = config.deb?.depends ?? [];
    expect(depends).toContain('libsecret-1-0');
    // Setting depends replaces electron-builder's default list: Electron's own libraries must be in
    // it.
    expect(depends).toEqual(
      expect.arrayContaining([
        'libgtk-3-0',
        'libnss3',
        'libnotify4',
        'libxss1',
        'libxtst6',
        'xdg-utils',
        'libatspi2.0-0',
        'libuuid1',
      ]),
    );
    // fpm refuses a deb without a homepage and a maintainer.
    expect(config.extraMetadata?.homepage ?? (pkg as { homepage?: string }).homepage).toMatch(
      /^https:\/\/[^\s/]+/,
    );
    expect(config.linux?.maintainer).toMatch(/<[^@\s]+@[^@\s]+>$/);
    expect(config.linux?.executableName).toMatch(/^[a-z0-9-]+$/);
    // A desktop entry's additional category (Finance) needs its main category (Office).
    expect(config.linux?.category?.split(';')).toEqual(
      expect.arrayContaining(['Office', 'Finance']),
    );
  });

  it('Windows: an assisted installer, and uninstalling keeps the data dir', () => {
    expect(config.nsis?.oneClick).toBe(false);
    // NSIS would delete %APPDATA%\<productName>, which is the data dir (cache, outbox, embedded
    // central store).
    expect(config.nsis?.deleteAppDataOnUninstall).toBe(false);
  });

  it('macOS: hardened runtime with the least entitlements, notarization on', () => {
    expect(config.mac?.hardenedRuntime).toBe(true);
    expect(config.mac?.notarize).toBe(true);
    for (const file of [config.mac?.entitlements, config.mac?.entitlementsInherit]) {
      expect(file, 'mac.entitlements and mac.entitlementsInherit are set').toBeDefined();
      expect(file!.startsWith('electron/')).toBe(true);
      const plist = read(file!);
      expect(plist).toMatch(/^<\?xml[^>]*>\s*<!DOCTYPE plist/);
      const granted = [
        ...plist.replace(/<!--[\s\S]*?-->/g, '').matchAll(/<key>([^<]+)<\/key>\s*<true\/>/g),
      ].map((m) => m[1]);
      // V8 (JavaScript and PGlite's WebAssembly) needs JIT; debug or weakening entitlements are
      // refused.
      expect(granted).toEqual(['com.apple.security.cs.allow-jit']);
    }
  });

  it('names every artifact with its version and architecture, publishes nothing by itself', () => {
    const names = {
      default: config.artifactName,
      deb: config.deb?.artifactName,
      nsis: config.nsis?.artifactName,
      dmg: config.dmg?.artifactName,
    };
    for (const [target, name] of Object.entries(names)) {
      if (name === undefined) continue;
      expect(name, target).toContain('${version}');
      expect(name, target).toContain('${arch}');
      expect(name, target).toMatch(/\$\{ext\}$/);
    }
    expect(config.artifactName).toBeDefined();
    expect(config.publish).toBeNull();
    expect(config.directories?.output).toBe('dist');
    expect(read('.gitignore').split('\n')).toContain('dist/');
  });
});
