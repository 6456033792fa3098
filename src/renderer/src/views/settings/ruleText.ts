/** The rules editor's sentences: a JSON syntax error with its place, a version's effective date. */
import { when } from '../../format';

/**
 * JSON.parse's complaint as "line 7, column 12: expected ',' or '}' after property value". V8 says
 * a character position (and some versions a line and column too); people count lines.
 */
export function jsonProblem(text: string): string | null {
  try {
    JSON.parse(text);
    return null;
  } catch (error) {
    const message = (error as Error).message;
    const at = /at position (\d+)/.exec(message);
    const what = message
      .replace(/\s*in JSON at position \d+.*$/s, '')
      .replace(/^Unexpected end of JSON input$/, 'the text ends before the JSON does');
    const position = at ? Number(at[1]) : /end of JSON input/.test(message) ? text.length : null;
    const said = what.charAt(0).toLowerCase() + what.slice(1);
    if (position === null) return said;
    const before = text.slice(0, position);
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    return `line ${line}, column ${column}: ${said}`;
  }
}

/**
 * When a version takes effect. The first version is stored from 1970-01-01 on purpose — it covers
 * every conversion before it (rules-store.ts, FIRST_VERSION_FROM) — which is said as such, not as
 * a date nobody chose.
 */
export function effectiveText(iso: string): string {
  return Date.parse(iso) === 0 ? 'from the start (all earlier conversions)' : when(iso);
}
