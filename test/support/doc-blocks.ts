/**
 * Reading the project's markdown as the docs test needs it: fenced code blocks (with the
 * `<!-- doc-test: run -->` marker), links and headings, and the `treasury` invocations in shell
 * blocks, split the way a shell would split them (quotes, `$(…)`, `&&`, heredocs, continuations).
 */
import { CommanderError, type Command } from 'commander';
import { buildProgram } from '../../src/cli/main.js';
import { allCommands, choicesOf, slug } from '../../scripts/docs/generate.js';

/** The marker, on its own line right before a fence, that makes the docs test run the block. */
export const RUN_MARKER = '<!-- doc-test: run -->';

export interface CodeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  /** The block's lines with their 1-based line numbers in the file. */
  lines: { text: string; line: number }[];
  run: boolean;
}

export const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'console']);

export function codeBlocks(text: string): CodeBlock[] {
  const lines = text.split('\n');
  const blocks: CodeBlock[] = [];
  let open: { fence: string; block: CodeBlock } | null = null;
  let lastText = '';
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (open) {
      if (raw.trim().startsWith(open.fence) && raw.trim().replace(/[`~]/g, '') === '') {
        blocks.push(open.block);
        open = null;
        lastText = raw; // a marker belongs to the one block right after it
      } else open.block.lines.push({ text: raw, line: i + 1 });
      continue;
    }
    const m = /^\s{0,3}(`{3,}|~{3,})\s*([\w+-]*)/.exec(raw);
    if (m) {
      open = {
        fence: m[1]!,
        block: {
          line: i + 1,
          lang: m[2]!.toLowerCase(),
          lines: [],
          run: lastText.trim() === RUN_MARKER,
        },
      };
      continue;
    }
    if (raw.trim() !== '') lastText = raw;
  }
  if (open) blocks.push(open.block); // an unclosed fence runs to the end, as in CommonMark
  return blocks;
}

/**
 * The text without fenced blocks (replaced by blank lines, so line numbers hold) and without inline
 * code.
 */
export function prose(text: string): string {
  const lines = text.split('\n');
  const inside = new Set<number>();
  for (const b of codeBlocks(text)) {
    inside.add(b.line);
    for (const l of b.lines) inside.add(l.line);
    inside.add((b.lines.at(-1)?.line ?? b.line) + 1);
  }
  return lines
    .map((l, i) => (inside.has(i + 1) ? '' : l.replace(/(`+)(?:(?!\1).)+\1/g, '')))
    .join('\n');
}

export interface Link {
  line: number;
  target: string;
}

/** Markdown links and images (inline and reference definitions) and HTML src/href attributes. */
export function links(text: string): Link[] {
  const out: Link[] = [];
  prose(text)
    .split('\n')
    .forEach((l, i) => {
      for (const m of l.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
        out.push({ line: i + 1, target: m[1]! });
      const def = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/.exec(l);
      if (def) out.push({ line: i + 1, target: def[1]! });
      for (const m of l.matchAll(/\b(?:src|href)\s*=\s*"([^"]+)"/g))
        out.push({ line: i + 1, target: m[1]! });
    });
  return out;
}

/**
 * The anchors a markdown file offers: GitHub's heading slugs (duplicates numbered) and explicit
 * ids.
 */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const code = new Set<number>(
    codeBlocks(text).flatMap((b) => [b.line, ...b.lines.map((x) => x.line)]),
  );
  text.split('\n').forEach((l, i) => {
    if (code.has(i + 1)) return;
    for (const m of l.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) out.add(m[1]!);
    const h = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(l);
    if (!h) return;
    const base = slug(h[1]!.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1'));
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Shell lines → treasury invocations
// ---------------------------------------------------------------------------------------------

const OPERATORS = ['&&', '||', ';;', '|&', ';', '|', '&', '(', ')'];

/**
 * Splits one logical shell line into words and operators. Quotes and escapes are resolved; a
 * `$(…)` substitution becomes one opaque word (its inner text is returned separately, to be
 * scanned too); a `#` starting a word begins a comment.
 */
export function shellWords(line: string): {
  words: (string | { op: string })[];
  substitutions: string[];
} {
  const words: (string | { op: string })[] = [];
  const substitutions: string[] = [];
  let word: string | null = null;
  let i = 0;
  const flush = () => {
    if (word !== null) words.push(word);
    word = null;
  };
  const substitution = (start: number): number => {
    // start points after "$(": find the matching ")" outside quotes.
    let depth = 1;
    let j = start;
    let quote: string | null = null;
    for (; j < line.length && depth > 0; j++) {
      const c = line[j]!;
      if (quote) {
        if (c === quote) quote = null;
        else if (c === '\\' && quote === '"') j++;
      } else if (c === "'" || c === '"') quote = c;
      else if (c === '\\') j++;
      else if (c === '(') depth++;
      else if (c === ')') depth--;
    }
    substitutions.push(line.slice(start, j - 1));
    return j;
  };
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      flush();
      i++;
    } else if (c === '#' && word === null) {
      break;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      word = (word ?? '') + line.slice(i + 1, end === -1 ? line.length : end);
      i = end === -1 ? line.length : end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let text = '';
      while (j < line.length && line[j] !== '"') {
        if (line[j] === '\\' && j + 1 < line.length) {
          text += line[j + 1];
          j += 2;
        } else if (line.startsWith('$(', j)) {
          const end = substitution(j + 2);
          text += '$(…)';
          j = end;
        } else text += line[j++];
      }
      word = (word ?? '') + text;
      i = j + 1;
    } else if (c === '\\') {
      word = (word ?? '') + (line[i + 1] ?? '');
      i += 2;
    } else if (line.startsWith('$(', i)) {
      i = substitution(i + 2);
      word = (word ?? '') + '$(…)';
    } else {
      const op = OPERATORS.find((o) => line.startsWith(o, i));
      if (op) {
        flush();
        words.push({ op });
        i += op.length;
      } else {
        word = (word ?? '') + c;
        i++;
      }
    }
  }
  flush();
  return { words, substitutions };
}

export interface Invocation {
  line: number;
  /** The arguments after the program (what commander parses). */
  args: string[];
  text: string;
}

/** The arguments given to the CLI by a simple command, or null when it does not run the CLI. */
function cliArgs(words: string[]): string[] | null {
  let w = [...words];
  while (w.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w[0]!)) w = w.slice(1); // VAR=value prefixes
  if (w[0] === 'exec' || w[0] === 'time') w = w.slice(1);
  const rest = (() => {
    if (w[0] === 'treasury') return w.slice(1);
    if (w[0] === 'npx' && w[1] === 'treasury') return w.slice(2);
    if (w[0] === 'npm' && w[1] === 'run' && w[2] === 'treasury')
      return w[3] === '--' ? w.slice(4) : w.slice(3);
    if (w[0] === 'node' && w[1] !== undefined && /(^|\/)bin\/treasury\.mjs$/.test(w[1]))
      return w.slice(2);
    return null;
  })();
  if (!rest) return null;
  // Redirections end the arguments ("> out.json", "2>/dev/null", "<file").
  const end = rest.findIndex((a) => /^\d*[<>]/.test(a));
  return end === -1 ? rest : rest.slice(0, end);
}

function invocationsOfLine(text: string, line: number): Invocation[] {
  const { words, substitutions } = shellWords(text);
  const out: Invocation[] = [];
  let simple: string[] = [];
  const end = () => {
    const args = cliArgs(simple);
    if (args) out.push({ line, args, text: text.trim() });
    simple = [];
  };
  for (const w of words) {
    if (typeof w === 'string') simple.push(w);
    else end();
  }
  end();
  for (const s of substitutions) out.push(...invocationsOfLine(s, line));
  return out;
}

/**
 * The CLI invocations of a shell code block. In a `console` block only lines starting with `$ `
 * are commands (the rest is output); heredoc bodies are skipped; `\` continues a line.
 */
export function invocations(block: CodeBlock): Invocation[] {
  const out: Invocation[] = [];
  let heredoc: { word: string; strip: boolean } | null = null;
  let pending: { text: string; line: number } | null = null;
  for (const { text, line } of block.lines) {
    if (heredoc) {
      if ((heredoc.strip ? text.replace(/^\t+/, '') : text) === heredoc.word) heredoc = null;
      continue;
    }
    let l = text;
    if (block.lang === 'console' && !pending) {
      if (!/^\s*\$ /.test(l)) continue;
      l = l.replace(/^\s*\$ /, '');
    }
    const joined: { text: string; line: number } = pending
      ? { text: pending.text + ' ' + l, line: pending.line }
      : { text: l, line };
    if (/\\$/.test(joined.text)) {
      pending = { text: joined.text.slice(0, -1), line: joined.line };
      continue;
    }
    pending = null;
    out.push(...invocationsOfLine(joined.text, joined.line));
    const h = /<<(-?)\s*(['"]?)([A-Za-z_][\w-]*)\2/.exec(joined.text);
    if (h) heredoc = { word: h[3]!, strip: h[1] === '-' };
  }
  if (pending) out.push(...invocationsOfLine(pending.text, pending.line));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parsing an invocation against the real program, without running it
// ---------------------------------------------------------------------------------------------

/** A value the docs leave for the reader (or the shell) to fill in: not checked against choices. */
const placeholder = (v: string) => /[$<>…]/.test(v);

/**
 * Parses `args` with the real commander program whose actions do nothing. Returns null when the
 * CLI would accept them (or print help), else why not: an unknown command or option, a missing
 * argument or option, a value an option's parser refuses, or a value outside the choices an
 * argument or option lists in its description (`a | b | c`).
 */
export async function checkInvocation(args: string[]): Promise<string | null> {
  let ran: unknown[] | null = null;
  const program = buildProgram(() => async (...a: unknown[]) => {
    ran = a;
  });
  let output = '';
  for (const c of [program, ...allCommands(program)]) {
    c.exitOverride().configureOutput({
      writeOut: (s) => void (output += s),
      writeErr: (s) => void (output += s),
      outputError: (s) => void (output += s),
    });
  }
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return null; // --help, --version
      return error.message.replace(/^error: /, '');
    }
    return `the CLI refused it while parsing: ${(error as Error).message}`;
  }
  if (!ran) return 'nothing would run';
  const command = (ran as unknown[]).at(-1) as Command;
  const positional = (ran as unknown[]).slice(0, command.registeredArguments.length);
  const problems: string[] = [];
  command.registeredArguments.forEach((a, i) => {
    const choices = choicesOf(a.description ?? '');
    const v = positional[i];
    if (choices && typeof v === 'string' && !placeholder(v) && !choices.includes(v))
      problems.push(`<${a.name()}> is "${v}", not one of ${choices.join(', ')}`);
  });
  const opts = command.opts() as Record<string, unknown>;
  for (const o of command.options) {
    const choices = choicesOf(o.description ?? '');
    const v = opts[o.attributeName()];
    if (choices && typeof v === 'string' && !placeholder(v) && !choices.includes(v))
      problems.push(`${o.long ?? o.flags} is "${v}", not one of ${choices.join(', ')}`);
  }
  return problems.length ? problems.join('; ') : null;
}
