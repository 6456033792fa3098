/**
 * An amount column sorts within each currency (issue 22): USD 3,035.01 never lands between
 * PHP 3,035.54 and PHP 3,034.12 as it did when raw minor units were compared across currencies.
 */
import { describe, expect, it } from 'vitest';
import { compareAmounts, type AmountCell } from '../../src/renderer/src/components/amountOrder.js';

const rows: AmountCell[] = [
  { minor: '303554', currency: 'PHP' },
  { minor: '303501', currency: 'USD' },
  { minor: '303412', currency: 'PHP' },
  { minor: '5', currency: 'USD' },
  { minor: '90000000000000000001', currency: 'IDR' },
  { minor: null, currency: 'PHP' },
];
const shown = (list: AmountCell[]) => list.map((r) => `${r.currency} ${r.minor ?? '-'}`);

/** As AG Grid does: its comparator's result is negated for a descending sort. */
function gridSort(list: AmountCell[], descending: boolean): AmountCell[] {
  return [...list].sort((a, b) => (descending ? -1 : 1) * compareAmounts(a, b, descending));
}

describe('amount column order', () => {
  it('ascending: currencies A to Z, amounts rising within each', () => {
    expect(shown(gridSort(rows, false))).toEqual([
      'IDR 90000000000000000001',
      'PHP -',
      'PHP 303412',
      'PHP 303554',
      'USD 5',
      'USD 303501',
    ]);
  });

  it('descending: currencies still A to Z, amounts falling within each — never interleaved', () => {
    expect(shown(gridSort(rows, true))).toEqual([
      'IDR 90000000000000000001',
      'PHP 303554',
      'PHP 303412',
      'PHP -',
      'USD 303501',
      'USD 5',
    ]);
  });

  it('compares amounts beyond 2^53 exactly (bigint, no float)', () => {
    expect(
      compareAmounts(
        { minor: '9007199254740993', currency: 'USD' },
        { minor: '9007199254740992', currency: 'USD' },
      ),
    ).toBe(1);
  });
});
