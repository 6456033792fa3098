import { describe, expect, it } from 'vitest';
import { BATCH_STATES } from '../../src/core/shared/batch-state.js';
import { PAYOUT_STATUSES, RECONCILE_OUTCOMES } from '../../src/core/shared/vocabulary.js';
import { statusChoices, statusInWords } from '../../src/renderer/src/views/common/words.js';
import { effectiveText, jsonProblem } from '../../src/renderer/src/views/settings/ruleText.js';

describe('statuses in words', () => {
  it('every batch, payout and reconciliation status has words of its own, not its enum', () => {
    for (const s of [...BATCH_STATES, ...PAYOUT_STATUSES, ...RECONCILE_OUTCOMES]) {
      const words = statusInWords(s);
      expect(words, s).not.toBe(s);
      expect(words, s).not.toContain('_');
    }
    expect(statusInWords('SUBMITTED')).toBe('Awaiting approval');
    expect(statusInWords('UNKNOWN')).toBe('Outcome unknown — being checked');
    expect(statusInWords('SUCCEEDED')).toBe('Paid');
    expect(statusInWords('SOMETHING_NEW')).toBe('something new');
    expect(statusChoices(['FAILED'])).toEqual([{ value: 'FAILED', label: 'Failed' }]);
  });
});

describe('the rules editor’s sentences', () => {
  it('a JSON syntax error says its line and column', () => {
    expect(jsonProblem('{\n  "holdDays": 30\n  "percentBps": 1000\n}')).toBe(
      "line 3, column 3: expected ',' or '}' after property value",
    );
    expect(jsonProblem('{\n  "a": 1')).toMatch(/^line 2, column 9: /);
    expect(jsonProblem('{"a": 1}')).toBeNull();
  });

  it('the first version covers all history and says so; others show their date', () => {
    expect(effectiveText('1970-01-01T00:00:00.000Z')).toBe(
      'from the start (all earlier conversions)',
    );
    expect(effectiveText('2026-12-07T09:40:00.000Z')).toBe('2026-12-07 09:40:00 UTC');
  });
});
