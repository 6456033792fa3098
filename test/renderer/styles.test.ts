/**
 * The console's colours are CSS variables (styles.css): the light block in `:root` and the dark
 * one under `[data-theme='dark']`. A variable defined as itself (`--ok-bg: var(--ok-bg)`) is
 * invalid and silently transparent — a green word on the dark top bar instead of a green badge,
 * which the accessibility audit found once. So every variable the sheet uses is defined in the
 * light block by a value that does not refer to itself, and the dark block defines only variables
 * the light one has.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const css = readFileSync(
  path.resolve(import.meta.dirname, '../../src/renderer/src/styles.css'),
  'utf8',
);

/** The declarations `--name: value` of the first block whose selector is exactly `selector`. */
function block(selector: string): Map<string, string> {
  const start = css.indexOf(`${selector} {`);
  expect(start, `${selector} block in styles.css`).toBeGreaterThanOrEqual(0);
  const body = css.slice(css.indexOf('{', start) + 1, css.indexOf('\n}', start));
  const found = new Map<string, string>();
  for (const m of body.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/(--[\w-]+)\s*:\s*([^;]+);/g))
    found.set(m[1]!, m[2]!.trim());
  return found;
}

describe('the colour variables', () => {
  const light = block(':root');
  const dark = block(":root[data-theme='dark']");

  it('are defined in the light block, none by itself', () => {
    const used = new Set([...css.matchAll(/var\((--[\w-]+)/g)].map((m) => m[1]!));
    expect(used.size).toBeGreaterThan(10);
    const missing = [...used].filter((name) => !light.has(name));
    expect(missing, 'used but not defined in :root').toEqual([]);
    const selfReferring = [...light, ...dark]
      .filter(([name, value]) => value.includes(`var(${name})`))
      .map(([name]) => name);
    expect(selfReferring, 'defined as themselves').toEqual([]);
  });

  it('the dark block overrides only variables the light block has', () => {
    expect(dark.size).toBeGreaterThan(10);
    expect([...dark.keys()].filter((name) => !light.has(name))).toEqual([]);
  });
});
