/**
 * `npm run docs:generate`: writes the reference documents that are derived from the code —
 * docs/commands.md (every router call, from the zod schemas of the definitions) and docs/cli.md
 * (every CLI command, from the commander program). Deterministic: the same code gives the same
 * bytes (definitions in catalog order, no timestamps), so test/project/docs.test.ts can compare the
 * committed files with a fresh rendering.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Help, type Argument, type Command, type Option } from 'commander';
import { z } from 'zod';
import { PERMISSIONS, ROLES, roleHas } from '../../src/core/shared/permissions.js';
import { FILE_CALLS } from '../../src/core/host/bridge/envelope.js';
import { DEFINITIONS } from '../../src/core/host/catalog.js';
import { STEP_UP_WINDOW_MS, type AnyDefinition } from '../../src/core/platform/kernel/router.js';
import { WORKSTATION_DEFINITIONS } from '../../src/core/local/sync-calls.js';
import { buildProgram } from '../../src/cli/main.js';
import { CALL_DOCS } from './calls.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The CLI's program with actions that do nothing: for reading its shape (and, in the docs test, parsing). */
function inertProgram(): Command {
  return buildProgram(() => async () => {});
}

/** Every command below the root, depth first in registration order. */
export function allCommands(program: Command): Command[] {
  const out: Command[] = [];
  const walk = (c: Command) => {
    for (const s of c.commands) {
      out.push(s);
      walk(s);
    }
  };
  walk(program);
  return out;
}

/** `batch approve` for the command `treasury batch approve`. */
function commandPath(c: Command): string {
  const names: string[] = [];
  for (let x: Command | null = c; x?.parent; x = x.parent) names.unshift(x.name());
  return names.join(' ');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]+>/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s: string) => '`' + s + '`';

// ---------------------------------------------------------------------------------------------
// docs/commands.md
// ---------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;


function typeOf(s: Json): string {
  if ('const' in s) return code(JSON.stringify(s.const));
  if (Array.isArray(s.enum)) return (s.enum as unknown[]).map((v) => code(JSON.stringify(v))).join(' | ');
  const alternatives = (s.anyOf ?? s.oneOf) as Json[] | undefined;
  if (alternatives) return alternatives.map(typeOf).join(' or ');
  switch (s.type) {
    case 'array':
      return `array of ${typeOf((s.items as Json) ?? {})}`;
    case 'object':
      if (s.additionalProperties && typeof s.additionalProperties === 'object') {
        return `object: keys ${typeOf((s.propertyNames as Json) ?? { type: 'string' })} → ${typeOf(s.additionalProperties as Json)}`;
      }
      return 'object';
    case undefined:
      return 'any JSON value';
    default:
      return String(s.type);
  }
}

function range(min: unknown, max: unknown, unit = ''): string | null {
  const hi = typeof max === 'number' && max < Number.MAX_SAFE_INTEGER ? max : undefined;
  const lo = typeof min === 'number' ? min : undefined;
  if (lo !== undefined && hi !== undefined) return `${unit}${lo}–${hi}`;
  if (lo !== undefined) return `${unit}≥ ${lo}`;
  if (hi !== undefined) return `${unit}≤ ${hi}`;
  return null;
}

function constraints(s: Json): string {
  const out: string[] = [];
  const length = range(s.minLength, s.maxLength, 'length ');
  if (length) out.push(length);
  const value = range(s.minimum, s.maximum);
  if (value) out.push(value);
  const items = range(s.minItems, s.maxItems, 'items ');
  if (items) out.push(items);
  if (s.format) out.push(`format ${s.format}`);
  // A uuid's pattern is zod's spelling of the format: the format says it.
  else if (typeof s.pattern === 'string') out.push(`pattern ${code(s.pattern)}`);
  const keys = s.propertyNames as Json | undefined;
  if (keys && typeof keys.pattern === 'string') out.push(`keys match ${code(keys.pattern)}`);
  if ('default' in s) out.push(`default ${code(JSON.stringify(s.default))}`);
  if (s.type === 'array' && s.items && typeof s.items === 'object') {
    const inner = constraints(s.items as Json);
    if (inner) out.push(`each: ${inner}`);
  }
  for (const message of checksOf(s)) out.push(`refused with “${message}”`);
  return out.join('; ');
}

/**
 * Refinements (an instant, a currency code, a rule across fields) do not appear in JSON Schema;
 * their error messages say what they check, so the schema is annotated with them.
 */
const CHECKS = 'x-checks';
function annotateChecks(ctx: { zodSchema: unknown; jsonSchema: Json }): void {
  const checks = ((ctx.zodSchema as { _zod: { def: { checks?: { _zod: { def: { check?: string; error?: unknown } } }[] } } })._zod.def.checks ?? []);
  const messages = checks
    .map((c) => c._zod.def)
    .filter((d) => d.check === 'custom')
    .map((d) => (typeof d.error === 'function' ? (d.error as (issue: object) => unknown)({}) : d.error))
    .filter((m): m is string => typeof m === 'string');
  if (messages.length) ctx.jsonSchema[CHECKS] = messages;
}
const checksOf = (s: Json): string[] => (s[CHECKS] as string[] | undefined) ?? [];

interface FieldRow {
  name: string;
  type: string;
  required: boolean;
  constraints: string;
  description: string;
}

function fields(s: Json, prefix = ''): FieldRow[] {
  const props = (s.properties ?? {}) as Record<string, Json>;
  const required = new Set((s.required as string[] | undefined) ?? []);
  const rows: FieldRow[] = [];
  for (const [key, prop] of Object.entries(props)) {
    const name = prefix + key;
    const nested = prop.type === 'object' && prop.properties ? prop : null;
    rows.push({ name, type: nested ? 'object' : typeOf(prop), required: required.has(key), constraints: constraints(prop), description: String(prop.description ?? '') });
    if (nested) rows.push(...fields(nested, `${name}.`));
    const items = prop.type === 'array' ? (prop.items as Json | undefined) : undefined;
    if (items?.type === 'object' && items.properties) rows.push(...fields(items, `${name}[].`));
  }
  return rows;
}

function fieldTable(s: Json): string {
  const rows = fields(s);
  const notes = [
    ...checksOf(s).map((m) => `Across fields, refused with “${m}”.`),
    s.additionalProperties === false && rows.length ? 'Other fields are refused (VALIDATION).' : null,
  ].filter(Boolean);
  if (rows.length === 0) return ['No input: send `{}`.', ...notes].join(' ') + '\n';
  // A description column only where some field has one (most schemas say it through their checks).
  const described = rows.some((r) => r.description);
  return (
    [
      `| field | type | required | constraints |${described ? ' description |' : ''}`,
      `| --- | --- | :-: | --- |${described ? ' --- |' : ''}`,
      ...rows.map((r) => `| ${code(r.name)} | ${cell(r.type)} | ${r.required ? 'yes' : ''} | ${cell(r.constraints)} |${described ? ` ${cell(r.description)} |` : ''}`),
    ].join('\n') + (notes.length ? `\n\n${notes.join(' ')}\n` : '\n')
  );
}

function inputSection(def: AnyDefinition): string {
  const schema = z.toJSONSchema(def.input as z.ZodType, { io: 'input', unrepresentable: 'any', override: annotateChecks as never }) as Json;
  const variants = schema.oneOf as Json[] | undefined;
  if (variants && !schema.properties) {
    return `One of ${variants.length} shapes:\n\n` + variants.map((v, i) => `${i + 1}.\n\n${fieldTable(v)}`).join('\n');
  }
  return fieldTable(schema);
}

/** The lowest role holding a permission (roles are hierarchical). */
function lowestRole(permission: string): string {
  if (permission === 'public') return 'anyone (no session)';
  if (permission === 'signed_in') return 'any signed-in operator';
  return ROLES.find((r) => roleHas(r, permission as (typeof PERMISSIONS)[number])) ?? '—';
}

function offlineOf(def: AnyDefinition, workstation: ReadonlySet<string>): string {
  if (workstation.has(def.name)) return 'workstation';
  return def.offline ? 'yes' : 'no';
}

/** How the console reaches a call that names a file on the host's machine. */
function fileNote(name: string): string {
  if (name.endsWith('.import')) return 'console: through `importFile` only';
  if (name.startsWith('export.')) return 'console: through `exportFile` only';
  return 'names a file on the host: never sent by the page';
}

function checkCallDocs(all: readonly AnyDefinition[], program: Command): void {
  const names = new Set(all.map((d) => d.name));
  const missing = all.filter((d) => !CALL_DOCS[d.name]).map((d) => d.name);
  const stale = Object.keys(CALL_DOCS).filter((n) => !names.has(n));
  const paths = new Set(allCommands(program).map(commandPath));
  const badCli = Object.entries(CALL_DOCS).flatMap(([n, d]) => (d.cli ?? []).filter((p) => !paths.has(p)).map((p) => `${n} → treasury ${p}`));
  const problems = [
    ...missing.map((n) => `${n} has no entry in scripts/docs/calls.ts (write its one-sentence summary)`),
    ...stale.map((n) => `scripts/docs/calls.ts describes ${n}, which no definition has`),
    ...badCli.map((x) => `scripts/docs/calls.ts: ${x} is not a CLI command`),
  ];
  if (problems.length) throw new Error(`docs: the call summaries do not match the code:\n- ${problems.join('\n- ')}`);
}

function renderCommands(): string {
  const workstation = new Set(WORKSTATION_DEFINITIONS.map((d) => d.name));
  const all = [...DEFINITIONS, ...WORKSTATION_DEFINITIONS];
  checkCallDocs(all, inertProgram());
  const minutes = STEP_UP_WINDOW_MS / 60_000;
  const out: string[] = [];
  out.push(
    '<!-- Generated by `npm run docs:generate` (scripts/docs/generate.ts) from the router\'s definitions. Do not edit by hand. -->',
    '# Command and query reference',
    '',
    `Every state change in Treasury Console is a **command** and every read a **query**, sent by name through one router — from the CLI, Electron's IPC or the browser host alike. This page lists all ${all.length} of them with the input each one's zod schema accepts, the one permission it needs, whether it needs a step-up, and whether it works offline. For how the router handles a call see [architecture.md](architecture.md#the-router-one-door); for the CLI commands that send them see [cli.md](cli.md); for the error codes see [troubleshooting.md](troubleshooting.md).`,
    '',
    '## Calling',
    '',
    '- **Envelope.** A call is `{ name, payload, id?, background? }`: the name of a definition below, its payload (checked by the schema shown), an optional command id (a uuid), and whether it is a background call (a poll: checked and audited alike, but not counted as activity, so it does not keep the session from its 30-minute idle timeout). A command sent again with the same id returns its first result and changes nothing; a query is never recorded.',
    '- **In the console** the renderer calls `window.treasury.call(name, payload, { id })` (the bridge contract, `src/core/host/bridge/contract.ts`) and gets `{ ok: true, value }` or `{ ok: false, error: { code, kind, message, problems } }`. Values arrive as JSON: bigints (every amount in minor units) and dates as strings.',
    '- **From the CLI** each command sends one (sometimes two) of these calls: the CLI column says which.',
    `- **Order of checks** (router and offline router alike): the name must exist (UNKNOWN_COMMAND); the session must be valid (UNAUTHENTICATED) and, when IP ranges apply, from an allowed address (IP_NOT_ALLOWED); the operator's role must hold the permission (FORBIDDEN, audited as denied) — before the payload is looked at; a step-up call needs the password confirmed within the last ${minutes} minutes (STEP_UP_REQUIRED); then the payload is validated (VALIDATION, naming each field).`,
    '- **Permission** `public`: no session (bootstrap, sign-in, the setup probe); `signed_in`: any signed-in operator. Otherwise one of the fourteen permissions; the lowest role holding it is shown (every higher role holds it too).',
    '- **Offline**: `yes` — answered from the encrypted local cache when the central store cannot be reached (reads from the mirrors; batch preparation queued in the outbox); `no` — refused with OFFLINE; `workstation` — a call about the workstation itself, answered by it in either mode.',
    `- **Files**: ${[...FILE_CALLS].sort().map(code).join(', ')} name a file on the host's machine, so the page never sends them through \`call\`: imports go through \`importFile(name)\` (an open dialog or the browser's file picker) and exports through \`exportFile(name, payload, suggestedName)\` (a save dialog or a download), the host filling in the path; the others only a command line sends.`,
    '',
    '## Index',
    '',
    '| call | kind | permission | lowest role | step-up | offline | CLI |',
    '| --- | --- | --- | --- | :-: | :-: | --- |',
  );
  for (const d of all) {
    const doc = CALL_DOCS[d.name]!;
    const cli = (doc.cli ?? []).map((p) => `[${code(`treasury ${p}`)}](cli.md#${slug(`treasury ${p}`)})`).join(', ');
    out.push(`| [${code(d.name)}](#${slug(d.name)}) | ${d.kind} | ${code(d.permission)} | ${lowestRole(d.permission)} | ${d.stepUp ? 'yes' : ''} | ${offlineOf(d, workstation)} | ${cli} |`);
  }
  out.push('');
  const groups = new Map<string, AnyDefinition[]>();
  for (const d of all) {
    const group = workstation.has(d.name) ? 'workstation' : d.name.split('.')[0]!;
    groups.set(group, [...(groups.get(group) ?? []), d]);
  }
  for (const [group, defs] of groups) {
    out.push(`## ${group}`, '');
    for (const d of defs) {
      const doc = CALL_DOCS[d.name]!;
      out.push(`### ${d.name}`, '', doc.summary, '');
      const facts = [
        `**${d.kind}**`,
        `permission ${code(d.permission)} (${lowestRole(d.permission)})`,
        d.stepUp ? `**step-up** (password confirmed within ${minutes} minutes)` : null,
        `offline: ${offlineOf(d, workstation)}`,
        FILE_CALLS.has(d.name) ? fileNote(d.name) : null,
        d.kind === 'command' && d.transactional === false ? 'long-running: commits as it goes (not one transaction) and is not replayed by command id' : null,
        d.secretResult ? 'its result holds a secret and is never stored for replay' : null,
      ].filter(Boolean);
      out.push(facts.join(' · '), '');
      if (doc.cli?.length) out.push(`CLI: ${doc.cli.map((p) => `[${code(`treasury ${p}`)}](cli.md#${slug(`treasury ${p}`)})`).join(', ')}`, '');
      if (doc.sentBy) out.push(`Sent by ${doc.sentBy}.`, '');
      out.push(inputSection(d));
    }
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

// ---------------------------------------------------------------------------------------------
// docs/cli.md
// ---------------------------------------------------------------------------------------------

/** Argument and option descriptions written as `a | b | c` list the only accepted values. */
export function choicesOf(description: string): string[] | null {
  return /^[\w.-]+( \| [\w.-]+)+$/.test(description.trim()) ? description.split('|').map((s) => s.trim()) : null;
}

function argumentRows(args: readonly Argument[]): string[] {
  if (args.length === 0) return [];
  return [
    '| argument | required | description |',
    '| --- | :-: | --- |',
    ...args.map((a) => `| ${code(`<${a.name()}>${a.variadic ? '...' : ''}`)} | ${a.required ? 'yes' : ''} | ${cell(a.description || '')} |`),
    '',
  ];
}

function optionRows(options: readonly Option[]): string[] {
  const shown = options.filter((o) => !o.hidden);
  if (shown.length === 0) return [];
  return [
    '| option | required | env | default | description |',
    '| --- | :-: | --- | --- | --- |',
    ...shown.map((o) => {
      const def = o.defaultValueDescription ?? (o.defaultValue !== undefined ? JSON.stringify(o.defaultValue) : '');
      return `| ${code(o.flags)} | ${o.mandatory ? 'yes' : ''} | ${o.envVar ? code(o.envVar) : ''} | ${def ? code(def) : ''} | ${cell(o.description)} |`;
    }),
    '',
  ];
}

function exitCodesComment(): string {
  const source = readFileSync(path.join(ROOT, 'src/cli/main.ts'), 'utf8');
  const m = /Exit codes: ([^\n]*)/.exec(source);
  if (!m) throw new Error('docs: src/cli/main.ts no longer states its exit codes in its header comment');
  return m[1]!.trim().replace(/\.$/, '');
}

function renderCli(): string {
  const program = inertProgram();
  const help = new Help();
  const callsOf = new Map<string, string[]>();
  for (const [name, doc] of Object.entries(CALL_DOCS)) for (const p of doc.cli ?? []) callsOf.set(p, [...(callsOf.get(p) ?? []), name]);
  const out: string[] = [];
  out.push(
    '<!-- Generated by `npm run docs:generate` (scripts/docs/generate.ts) from the commander program in src/cli/. Do not edit by hand. -->',
    '# CLI reference',
    '',
    '`treasury [global options] <command> [options]` — from a checkout `npx treasury …`, `npm run treasury -- …` or `node bin/treasury.mjs …` (TypeScript loaded through tsx: no build step). Every command below is one or two calls through the router ([commands.md](commands.md) lists their inputs and permissions); what each does in the payout flow is in [payouts.md](payouts.md), reports and exports in [reports.md](reports.md), and what an error means and how to fix it in [troubleshooting.md](troubleshooting.md).',
    '',
    '`treasury --help` and `treasury <command> --help` print the same facts in the terminal.',
    '',
    '## Global options',
    '',
    'Given before or after the command; each with an environment variable also reads it.',
    '',
    ...optionRows(program.options),
    '## Exit codes',
    '',
    `From the CLI's own header: ${exitCodesComment()}.`,
    '',
    '| code | meaning |',
    '| --- | --- |',
    '| 0 | done (also `--help`) |',
    '| 1 | your input or situation is wrong: an unknown command or option, a missing argument, or a refused call (every error code of kind `user`, see [troubleshooting.md](troubleshooting.md)); the message says what and where (file, line, field). `audit verify` also exits 1 when the chain is broken, after listing each problem |',
    '| 2 | an internal error (`INTERNAL`): a bug or a broken environment; `TREASURY_DEBUG=1` prints the stack |',
    '',
    'Results go to stdout (tables, or JSON with `--json`); errors to stderr as `error: <message>` with one line per problem (with `--json`, as `{ "error": { code, kind, message, problems } }`); progress of long commands to stderr.',
    '',
    '## Commands',
    '',
  );
  const commands = allCommands(program);
  for (const c of commands) {
    const depth = commandPath(c).split(' ').length;
    out.push(`${'  '.repeat(depth - 1)}- [${code(`treasury ${commandPath(c)}`)}](#${slug(`treasury ${commandPath(c)}`)}) — ${c.description()}`);
  }
  out.push('');
  for (const c of commands) {
    const p = commandPath(c);
    out.push(`### treasury ${p}`, '', c.description(), '', '```', help.commandUsage(c), '```', '');
    out.push(...argumentRows(c.registeredArguments));
    out.push(...optionRows(c.options));
    if (c.commands.length) out.push(`Subcommands: ${c.commands.map((s) => `[${code(s.name())}](#${slug(`treasury ${commandPath(s)}`)})`).join(', ')}.`, '');
    const calls = callsOf.get(p);
    if (calls?.length) out.push(`Router call${calls.length > 1 ? 's' : ''}: ${calls.map((n) => `[${code(n)}](commands.md#${slug(n)})`).join(', ')}.`, '');
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

/** The generated files, relative to the repository root, with their content. */
export function generateDocs(): Record<string, string> {
  return { 'docs/commands.md': renderCommands(), 'docs/cli.md': renderCli() };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  for (const [file, text] of Object.entries(generateDocs())) {
    writeFileSync(path.join(ROOT, file), text);
    process.stdout.write(`wrote ${file}\n`);
  }
}
