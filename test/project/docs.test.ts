/**
 * The documentation as a user meets it: every page in docs/ is reachable from the README, every
 * relative link and image resolves (files and heading anchors), the generated references match
 * the code, every error code is explained in troubleshooting.md, every `treasury …` line in a
 * shell block is accepted by the real CLI parser, and blocks marked `<!-- doc-test: run -->` run
 * with bash against a scratch data dir and exit 0.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDocs, ROOT } from '../../scripts/docs/generate.js';
import {
  anchors,
  checkInvocation,
  codeBlocks,
  invocations,
  links,
  RUN_MARKER,
  shellWords,
  SHELL_LANGS,
  type CodeBlock,
} from '../support/doc-blocks.js';
import { tempDir } from '../support/central.js';

const rel = (file: string) => path.relative(ROOT, file);
const read = (file: string) => readFileSync(file, 'utf8');

function markdownUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? markdownUnder(path.join(dir, e.name))
        : e.name.endsWith('.md')
          ? [path.join(dir, e.name)]
          : [],
    )
    .sort();
}

const README = path.join(ROOT, 'README.md');
const DOCS_INDEX = path.join(ROOT, 'docs/README.md');
/** The documents a user reads: the README and everything in docs/. */
const DOCUMENTS = [README, ...markdownUnder(path.join(ROOT, 'docs'))];

/** Error codes as the type declares them (a type has no runtime value: read from its source). */
function errorCodes(): string[] {
  const source = read(path.join(ROOT, 'src/core/shared/errors.ts'));
  const union = /export type ErrorCode =([^;]+);/.exec(source);
  if (!union) throw new Error('src/core/shared/errors.ts: no `export type ErrorCode = …;` found');
  return [...union[1]!.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]!);
}

interface Resolved {
  file: string;
  anchor: string | null;
}
function resolveLink(from: string, target: string): Resolved | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return null; // https:, mailto:, …
  const [p, anchor] = target.split('#') as [string, string | undefined];
  return {
    file: p === '' ? from : path.resolve(path.dirname(from), decodeURIComponent(p)),
    anchor: anchor ?? null,
  };
}

describe('documentation', () => {
  it('every markdown file in docs/ is linked from README.md or from docs/README.md, which README.md links', () => {
    const linkedFrom = (file: string) =>
      new Set(
        links(read(file))
          .map((l) => resolveLink(file, l.target))
          .filter((r): r is Resolved => r !== null)
          .map((r) => r.file),
      );
    const fromReadme = linkedFrom(README);
    expect(
      fromReadme.has(DOCS_INDEX),
      'README.md must link docs/README.md (the index of all docs)',
    ).toBe(true);
    const fromIndex = existsSync(DOCS_INDEX) ? linkedFrom(DOCS_INDEX) : new Set<string>();
    const orphans = DOCUMENTS.filter(
      (f) => f !== README && f !== DOCS_INDEX && !fromReadme.has(f) && !fromIndex.has(f),
    ).map(rel);
    expect(orphans, 'link these from docs/README.md (or README.md)').toEqual([]);
  });

  it('every relative link and image in README.md and docs/ resolves to a file (and a heading, for #anchors)', () => {
    const broken: string[] = [];
    const anchorsOf = new Map<string, Set<string>>();
    for (const file of DOCUMENTS) {
      for (const l of links(read(file))) {
        const r = resolveLink(file, l.target);
        if (!r) continue;
        const where = `${rel(file)}:${l.line}: ${l.target}`;
        if (!existsSync(r.file)) {
          broken.push(`${where} — no file ${rel(r.file)}`);
          continue;
        }
        if (r.anchor && r.file.endsWith('.md') && statSync(r.file).isFile()) {
          if (!anchorsOf.has(r.file)) anchorsOf.set(r.file, anchors(read(r.file)));
          if (!anchorsOf.get(r.file)!.has(r.anchor))
            broken.push(`${where} — no heading #${r.anchor} in ${rel(r.file)}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('the generated references (docs/commands.md, docs/cli.md) match the code', () => {
    for (const [file, text] of Object.entries(generateDocs())) {
      const committed = existsSync(path.join(ROOT, file)) ? read(path.join(ROOT, file)) : '';
      expect(committed === text, `${file} is out of date: run npm run docs:generate`).toBe(true);
    }
  });

  it('every error code has a section in docs/troubleshooting.md', () => {
    const codes = errorCodes();
    expect(codes.length).toBeGreaterThan(20);
    const headings = read(path.join(ROOT, 'docs/troubleshooting.md'))
      .split('\n')
      .filter((l) => /^#{2,4}\s/.test(l));
    const missing = codes.filter((c) => !headings.some((h) => new RegExp(`\\b${c}\\b`).test(h)));
    expect(missing, 'add a section (a heading naming the code) with its meaning and fix').toEqual(
      [],
    );
  });
});

describe('the CLI lines in the docs', () => {
  it('finds invocations the way a shell splits them', () => {
    const block = (lang: string, ...lines: string[]): CodeBlock => ({
      line: 1,
      lang,
      run: false,
      lines: lines.map((text, i) => ({ text, line: i + 2 })),
    });
    const found = invocations(
      block(
        'sh',
        'npx treasury init            # asks for a password',
        'B=$(npx treasury batch list --json | jq -r ".[0].number") && treasury batch show "$B" > out.txt',
        "TREASURY_OFFLINE=1 npm run treasury -- batch create --note 'two words' \\",
        '  --currency IDR',
        "cat <<'EOF' > x.sh",
        'treasury not-a-command',
        'EOF',
        'node bin/treasury.mjs whoami 2>/dev/null; echo treasury calc',
      ),
    ).map((i) => [i.line, ...i.args]);
    expect(found).toEqual([
      [2, 'init'],
      [3, 'batch', 'show', '$B'],
      [3, 'batch', 'list', '--json'],
      [4, 'batch', 'create', '--note', 'two words', '--currency', 'IDR'],
      [9, 'whoami'],
    ]);
    const console = invocations(
      block(
        'console',
        '$ treasury sync status',
        'online: yes (treasury calc)',
        '$ treasury payables --currency IDR',
      ),
    );
    expect(console.map((i) => i.args)).toEqual([
      ['sync', 'status'],
      ['payables', '--currency', 'IDR'],
    ]);
    expect(shellWords(`a "b \\"c\\"" 'd e' # f`).words).toEqual(['a', 'b "c"', 'd e']);
  });

  it('the parser refuses what the CLI would refuse', async () => {
    expect(
      await checkInvocation(['batch', 'approve', 'B-20261121-001', '--hash', 'abc']),
    ).toBeNull();
    expect(
      await checkInvocation([
        '--data-dir',
        'D',
        'demo',
        '--affiliates',
        '10',
        '--conversions',
        '100',
      ]),
    ).toBeNull();
    expect(await checkInvocation(['report', '--help'])).toBeNull();
    expect(await checkInvocation(['batch', 'aprove', 'B'])).toMatch(/unknown command 'aprove'/);
    expect(await checkInvocation(['calc', '--bogus'])).toMatch(/unknown option '--bogus'/);
    expect(await checkInvocation(['import', 'affiliates'])).toMatch(
      /missing required argument 'file'/,
    );
    expect(await checkInvocation(['login'])).toMatch(
      /required option '--username <name>' not specified/,
    );
    expect(
      await checkInvocation(['demo', '--affiliates', 'many', '--conversions', '1']),
    ).not.toBeNull();
    expect(await checkInvocation(['report', 'weekly'])).toMatch(
      /<name> is "weekly", not one of time-series/,
    );
    expect(await checkInvocation(['batch', 'preview', '--provider', 'paypal'])).toMatch(
      /--provider is "paypal"/,
    );
    expect(await checkInvocation(['report', '$REPORT'])).toBeNull();
  });

  it('every `treasury …` line in a shell block of README.md and docs/ parses against the real program', async () => {
    const problems: string[] = [];
    let checked = 0;
    for (const file of DOCUMENTS) {
      for (const block of codeBlocks(read(file)).filter((b) => SHELL_LANGS.has(b.lang))) {
        for (const inv of invocations(block)) {
          checked++;
          const problem = await checkInvocation(inv.args);
          if (problem) problems.push(`${rel(file)}:${inv.line}: \`${inv.text}\` — ${problem}`);
        }
      }
    }
    expect(checked, 'the extractor found no CLI lines at all').toBeGreaterThan(3);
    expect(problems).toEqual([]);
  });
});

/**
 * Runnable blocks: per file, in order, in one bash process (shell variables carry from one block
 * to the next) in a scratch directory with `bin/` and `examples/` linked in, a fresh data dir and
 * the credential store a user would get (the keychain, or the file vault where none answers).
 */
describe('blocks marked <!-- doc-test: run -->', () => {
  const runnable = DOCUMENTS.map((file) => ({
    file,
    blocks: codeBlocks(read(file)).filter((b) => b.run),
  })).filter((f) => f.blocks.length > 0);
  const scratch = tempDir('treasury-docs-');
  afterAll(() => scratch.remove());

  it('at least one block of the README is marked, and every marked block is a shell block', () => {
    expect(
      runnable.some((f) => f.file === README),
      `mark a README block with ${RUN_MARKER}`,
    ).toBe(true);
    const notShell = runnable.flatMap((f) =>
      f.blocks
        .filter((b) => b.lang !== 'sh' && b.lang !== 'bash')
        .map((b) => `${rel(f.file)}:${b.line} (${b.lang || 'no language'})`),
    );
    expect(notShell, 'only ```sh and ```bash blocks can be run').toEqual([]);
  });

  for (const { file, blocks } of runnable) {
    it(`${rel(file)}: ${blocks.length} block(s) run and exit 0`, async () => {
      const dir = path.join(scratch.dir, rel(file).replace(/[^\w.-]/g, '_'));
      mkdirSync(dir, { recursive: true });
      for (const link of ['bin', 'examples'])
        symlinkSync(path.join(ROOT, link), path.join(dir, link));
      const password = 'doc-test-password-' + randomBytes(6).toString('hex');
      const env: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TREASURY_')) env[k] = v;
      // The credential store a user gets: the OS keychain where one answers, else the file vault.
      // Every operator a block creates gets the same password, which every prompt reads from here.
      Object.assign(env, {
        PATH: `${path.join(ROOT, 'node_modules/.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
        TREASURY_DOC_ROOT: ROOT,
        TREASURY_DATA_DIR: path.join(dir, 'data'),
        TREASURY_INIT_PASSWORD: password,
        TREASURY_NEW_PASSWORD: password,
        TREASURY_PASSWORD: password,
      });
      // `treasury`, `npx treasury` and `npm run treasury --` all run this checkout's CLI (npx in a
      // scratch dir would otherwise look the name up in the registry).
      const prelude = [
        'set -eo pipefail',
        'treasury() { node "$TREASURY_DOC_ROOT/bin/treasury.mjs" "$@"; }',
        'npx() { if [ "$1" = treasury ]; then shift; treasury "$@"; else command npx "$@"; fi; }',
        'npm() { if [ "$1" = run ] && [ "$2" = treasury ]; then shift 2; [ "${1:-}" = -- ] && shift; treasury "$@"; else command npm "$@"; fi; }',
        'export -f treasury npx npm',
      ];
      const script = [
        ...prelude,
        ...blocks.flatMap((b) => [
          `echo "::doc-block ${b.line}" >&2`,
          ...b.lines.map((l) => l.text),
        ]),
        'echo "::doc-blocks-done" >&2',
      ].join('\n');
      const started = Date.now();
      const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
        (resolve, reject) => {
          const child = spawn('bash', ['-c', script], {
            cwd: dir,
            env,
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let stdout = '';
          let stderr = '';
          child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
          child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
          const timer = setTimeout(() => child.kill('SIGKILL'), 270_000);
          child.on('error', reject);
          child.on('close', (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr });
          });
        },
      );
      const reached = [...result.stderr.matchAll(/^::doc-block (\d+)$/gm)].map((m) => Number(m[1]));
      const done = /^::doc-blocks-done$/m.test(result.stderr);
      const lines = blocks.map((b) => `${rel(file)}:${b.line}`);
      process.stdout.write(
        `doc-test run ${rel(file)}: ${done ? `all ${blocks.length} block(s) exited 0` : `failed in the block at line ${reached.at(-1)}`} (${lines.join(', ')}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
      expect(
        result.code === 0 && done,
        `${rel(file)}: the block at line ${reached.at(-1) ?? '?'} failed (exit ${result.code}).\nstdout:\n${result.stdout.slice(-3000)}\nstderr:\n${result.stderr.slice(-3000)}`,
      ).toBe(true);
    }, 300_000);
  }
});
