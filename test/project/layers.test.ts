/**
 * The layout tells the architecture, and these checks keep it true: src/core never imports
 * Electron, React or the DOM; the renderer never imports Node, a database or secrets; the preload
 * imports only Electron and the bridge contract. Then the app itself: electron-vite builds main,
 * preload and renderer.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/central.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return /\.(ts|tsx)$/.test(name) ? [full] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [
    ...text.matchAll(
      /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
    ),
  ].map((m) => m[1] ?? m[2]!);
}

describe('layering', () => {
  it('src/core imports no Electron, React or DOM code', () => {
    for (const file of sources(path.join(ROOT, 'src/core'))) {
      for (const spec of imports(file)) {
        expect(spec, `${path.relative(ROOT, file)} imports ${spec}`).not.toMatch(
          /^(electron|react|react-dom|ag-grid|zustand)(\/|$)/,
        );
        expect(spec, `${path.relative(ROOT, file)} imports ${spec}`).not.toMatch(
          /(^|\/)(main|preload|renderer|cli)\//,
        );
      }
      const code = readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      expect(code, path.relative(ROOT, file)).not.toMatch(/\b(window|document|localStorage)\./);
    }
  });

  it('src/renderer imports no Node, database, keychain or core runtime code', () => {
    for (const file of sources(path.join(ROOT, 'src/renderer'))) {
      for (const spec of imports(file)) {
        expect(spec, `${path.relative(ROOT, file)} imports ${spec}`).not.toMatch(
          /^(node:|fs|path|os|crypto|child_process|electron|better-sqlite3|keytar|postgres|pg|drizzle-orm|@electric-sql)/,
        );
        // From the core, only the bridge contract (types) and the shared floor (pure vocabularies).
        if (spec.includes('core/'))
          expect(spec).toMatch(/core\/(host\/bridge\/contract|shared\/[a-z-]+)$/);
      }
    }
  });

  it('the preload imports only Electron and the bridge contract, and exposes exactly one object', () => {
    const file = path.join(ROOT, 'src/preload/index.ts');
    expect(imports(file).sort()).toEqual(['../core/host/bridge/contract.js', 'electron']);
    expect(readFileSync(file, 'utf8').match(/exposeInMainWorld\(/g)).toHaveLength(1);
  });
});

/**
 * The floors (docs/architecture.md): an import goes to its own floor or a lower one. ESLint's rule
 * `treasury/floors` holds it in the editor and in `npm run lint`; these cases prove the rule bites,
 * on scratch code linted as if it were a file at each place (nothing is written).
 */
describe('the floors rule', () => {
  const eslint = new ESLint({ cwd: ROOT });
  const floorProblems = async (file: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
    return result!.messages.filter((m) => m.ruleId === 'treasury/floors').map((m) => m.message);
  };

  it('refuses an import that reaches up a floor', async () => {
    const up = [
      ['src/core/shared/scratch.ts', "import { DEFINITIONS } from '../host/catalog.js';"],
      [
        'src/core/platform/kernel/scratch.ts',
        "import { poll } from '../../domain/payouts/commands.js';",
      ],
      [
        'src/core/domain/batches/scratch.ts',
        "export { pullChanges } from '../../local/sync/pull.js';",
      ],
      [
        'src/core/local/scratch.ts',
        "const w = await import('../host/workstation/workstation.js');",
      ],
      ['src/core/host/scratch.ts', "import { run } from '../../cli/main.js';"],
    ];
    for (const [file, code] of up)
      expect(await floorProblems(file!, code!), `${file}: ${code}`).toEqual([
        expect.stringMatching(/may not (reach up|import)/),
      ]);
  });

  it('lets an import go to the same floor or a lower one', async () => {
    const fine = [
      ['src/core/domain/batches/scratch.ts', "import { poll } from '../payouts/commands.js';"],
      ['src/core/host/scratch.ts', "import { money } from '../shared/money/index.js';"],
      ['src/cli/scratch.ts', "import { DEFINITIONS } from '../core/host/catalog.js';"],
    ];
    for (const [file, code] of fine)
      expect(await floorProblems(file!, code!), `${file}`).toEqual([]);
  });

  it('the renderer takes only the shared floor and the contract; the preload only the contract', async () => {
    expect(
      await floorProblems(
        'src/renderer/src/scratch.ts',
        "import { ROLES } from '../../core/shared/permissions';",
      ),
    ).toEqual([]);
    expect(
      await floorProblems(
        'src/renderer/src/scratch.ts',
        "import { list } from '../../core/domain/batches/commands';",
      ),
    ).toEqual([expect.stringContaining('only its shared floor and the bridge contract')]);
    expect(
      await floorProblems(
        'src/preload/scratch.ts',
        "import { ROLES } from '../core/shared/permissions.js';",
      ),
    ).toEqual([expect.stringContaining('only the bridge contract')]);
  });
});

describe('the Electron app', () => {
  it('builds main, preload (CommonJS, for the sandbox) and renderer', () => {
    const out = tempDir('treasury-build-');
    try {
      const r = spawnSync('npx', ['electron-vite', 'build', '--outDir', out.dir], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      expect(existsSync(path.join(out.dir, 'main/index.js'))).toBe(true);
      const preload = readFileSync(path.join(out.dir, 'preload/index.cjs'), 'utf8');
      expect(preload).toMatch(/require\("electron"\)/);
      expect(preload).toContain('exposeInMainWorld');
      const html = readFileSync(path.join(out.dir, 'renderer/index.html'), 'utf8');
      expect(html).toContain('Content-Security-Policy');
      const assets = path.join(out.dir, 'renderer/assets');
      const bundle = readdirSync(assets)
        .filter((f) => f.endsWith('.js'))
        .map((f) => readFileSync(path.join(assets, f), 'utf8'))
        .join('\n');
      expect(bundle).not.toMatch(/better-sqlite3|keytar|node:fs|drizzle-orm/);
    } finally {
      out.remove();
    }
  });
});
