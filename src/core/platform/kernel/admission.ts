/**
 * The admission rule every door applies before a call runs — the central router and the offline
 * router over the cache alike: the name must be known, the operator's role must grant the call's
 * permission, a step-up call needs a recent password confirmation, and the payload must match the
 * call's schema. Who the operator is (and where the refusal is recorded: the audit trail, or the
 * cache's journal) is each door's own; what is refused, and in which words, is decided here once.
 */
import { roleHas, type Permission } from '../../shared/permissions.js';
import { TreasuryError } from '../../shared/errors.js';
import { issueInWords, type RawIssue } from '../../shared/issue-words.js';

/** What admission needs of a definition. */
export interface Admissible<I = unknown> {
  readonly name: string;
  readonly permission: Permission | 'public' | 'signed_in';
  readonly stepUp?: boolean;
  readonly input: {
    safeParse(
      payload: unknown,
      params?: { error?: (issue: RawIssue) => string | undefined },
    ):
      | { success: true; data: I }
      | {
          success: false;
          error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] };
        };
  };
}

/** Why an operator may not make a call, in the words every door uses. */
export interface Refusal {
  code: 'FORBIDDEN' | 'STEP_UP_REQUIRED';
  message: string;
}

export function known<D>(definitions: ReadonlyMap<string, D>, name: string): D {
  const def = definitions.get(name);
  if (!def) throw new TreasuryError('UNKNOWN_COMMAND', `unknown command or query "${name}"`);
  return def;
}

/**
 * Whether the operator may make the call: null when they may, else the refusal. `stepUpCurrent`:
 * whether their password was confirmed within the window (asked only for step-up calls).
 */
export function refusal(
  def: Admissible,
  operator: { username: string; role: string },
  stepUpCurrent: () => boolean,
  windowMinutes: number,
): Refusal | null {
  if (
    def.permission !== 'public' &&
    def.permission !== 'signed_in' &&
    !roleHas(operator.role, def.permission)
  ) {
    return {
      code: 'FORBIDDEN',
      message: `${operator.username} (${operator.role}) lacks the permission ${def.permission} needed for ${def.name}`,
    };
  }
  if (def.stepUp && !stepUpCurrent()) {
    return {
      code: 'STEP_UP_REQUIRED',
      message: `${def.name} needs ${operator.username} to confirm their password (step-up; valid ${windowMinutes} minutes)`,
    };
  }
  return null;
}

/**
 * The payload checked against the call's schema: its parsed value, or VALIDATION saying what and
 * where. The messages are in words (issue-words.ts: "must be a number — it was text"), each with
 * its path; the CLI reads the path (it is the option's name there), the console names the field in
 * words (fieldInWords).
 */
export function validated<I>(def: Admissible<I>, payload: unknown): I {
  const parsed = def.input.safeParse(payload ?? {}, { error: issueInWords });
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => ({
    path: i.path.map(String).join('.') || '(payload)',
    message: i.message,
  }));
  throw new TreasuryError(
    'VALIDATION',
    `invalid input for ${def.name}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    problems,
  );
}
