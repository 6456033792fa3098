/**
 * What a report is, for the list (index.ts): its name, what it is in words, and its router
 * definitions — the query `treasury report <name>` sends, the command `treasury export <name>`
 * sends, or both. Each report's file ends with its entry (defineReport); the list names each entry
 * once, and the catalog and the hosts take the reports from there.
 */
import type { Definition } from '../../platform/kernel/router.js';
import { assert } from '../../shared/assert.js';

/** What the list needs of a definition (any input, output and context). */
type ReportDefinition = Pick<Definition, 'name' | 'kind' | 'permission'>;

export interface ReportEntry {
  /** As hosts spell it: `treasury report <name>`, `treasury export <name>`. */
  readonly name: string;
  /** What it is, in words. */
  readonly about: string;
  /** The query that answers it (a table on screen, JSON for programs). */
  readonly query?: ReportDefinition;
  /** The command that writes it to a file (export-command.ts). */
  readonly export?: ReportDefinition;
}

/**
 * A report's entry for the list. `const`: its name and its definitions keep their literal types,
 * from which the bridge contract derives each call's input and output.
 */
export function defineReport<const R extends ReportEntry>(entry: R): R {
  assert(
    entry.query !== undefined || entry.export !== undefined,
    `report ${entry.name} has a query, an export or both`,
  );
  assert(entry.query?.kind !== 'command', `report ${entry.name}: its query is a query`);
  assert(entry.export?.kind !== 'query', `report ${entry.name}: its export is a command`);
  return entry;
}
