/**
 * The floors rule: an import may go to its own floor or a lower one, never up (docs/architecture.md,
 * "Floors"). The folder names the floor; this rule is what makes the name true in the editor and in
 * `npm run lint`. Like VS Code's `local/code-layering`, it judges resolved paths, so `../..` cannot
 * hide a climb. The renderer may take from the core only its shared floor and the bridge contract;
 * the preload only the contract.
 */
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CORE_FLOORS = ['shared', 'platform', 'domain', 'local', 'host'];
const APPS = /^src\/(cli|main|browser-host)\//;
const CONTRACT = 'src/core/host/bridge/contract';

/** The floor a repository-relative path stands on, or null outside the layered source. */
export function floorOf(rel) {
  const core = /^src\/core\/([^/]+)\//.exec(rel);
  if (core) {
    const i = CORE_FLOORS.indexOf(core[1]);
    return i >= 0
      ? { rank: i, name: core[1] }
      : { rank: -1, name: `core/${core[1]} (not a floor)` };
  }
  if (APPS.test(rel)) return { rank: CORE_FLOORS.length, name: 'app' };
  if (rel.startsWith('src/renderer/')) return { rank: CORE_FLOORS.length + 1, name: 'renderer' };
  if (rel.startsWith('src/preload/')) return { rank: CORE_FLOORS.length + 1, name: 'preload' };
  return null;
}

/** Why `from` may not import `to`, or null when it may. */
export function refusal(from, to) {
  const a = floorOf(from);
  const b = floorOf(to);
  if (!a || !b) return null;
  if (a.rank < 0)
    return `${from} is in src/core but on no floor: put it under ${CORE_FLOORS.join(', ')}`;
  const target = to.replace(/\.(ts|tsx|js)$/, '');
  if (a.name === 'preload')
    return target === CONTRACT ? null : 'the preload may import only the bridge contract';
  if (a.name === 'renderer') {
    if (b.name === 'renderer') return null;
    return b.name === 'shared' || target === CONTRACT
      ? null
      : 'the renderer may import from the core only its shared floor and the bridge contract';
  }
  if (b.name === 'renderer' || b.name === 'preload')
    return `the ${a.name} floor may not import ${b.name} code`;
  if (b.rank > a.rank)
    return `an import from the ${a.name} floor may not reach up to the ${b.name} floor`;
  return null;
}

export default {
  meta: { name: 'treasury' },
  rules: {
    floors: {
      meta: {
        type: 'problem',
        docs: { description: 'imports go to the same or a lower floor' },
        schema: [],
        messages: { up: '{{why}} ({{spec}}).' },
      },
      create(context) {
        const file = path.relative(ROOT, context.filename).split(path.sep).join('/');
        const check = (node, spec) => {
          if (typeof spec !== 'string' || !spec.startsWith('.')) return;
          const to = path
            .relative(ROOT, path.resolve(path.dirname(context.filename), spec))
            .split(path.sep)
            .join('/');
          const why = refusal(file, to);
          if (why) context.report({ node, messageId: 'up', data: { why, spec } });
        };
        return {
          ImportDeclaration: (n) => check(n.source, n.source.value),
          ExportNamedDeclaration: (n) => n.source && check(n.source, n.source.value),
          ExportAllDeclaration: (n) => check(n.source, n.source.value),
          ImportExpression: (n) => n.source.type === 'Literal' && check(n.source, n.source.value),
        };
      },
    },
  },
};
