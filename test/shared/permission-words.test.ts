import { describe, expect, it } from 'vitest';
import {
  PERMISSION_WORDS,
  PERMISSIONS,
  permissionInWords,
  ROLE_WORDS,
  ROLES,
  roleInWords,
} from '../../src/core/shared/permissions.js';

describe('permissions and roles in words', () => {
  it('every permission has words, and no two say the same', () => {
    for (const p of PERMISSIONS) {
      expect(PERMISSION_WORDS[p], p).toMatch(/^[a-z][a-z -]+[a-z]$/);
      // The words must not be the key again: an operator never needs to read "batches.execute".
      expect(PERMISSION_WORDS[p], p).not.toContain('.');
    }
    expect(Object.keys(PERMISSION_WORDS).sort()).toEqual([...PERMISSIONS].sort());
    expect(new Set(Object.values(PERMISSION_WORDS)).size).toBe(PERMISSIONS.length);
  });

  it('every role has a name for people', () => {
    expect(Object.keys(ROLE_WORDS).sort()).toEqual([...ROLES].sort());
    for (const r of ROLES) expect(roleInWords(r)).not.toContain('_');
  });

  it('reads as a sentence and leaves unknown keys as they are', () => {
    expect(`you need permission to ${permissionInWords('batches.approve_high_value')}`).toBe(
      'you need permission to approve high-value batches',
    );
    expect(permissionInWords('future.thing')).toBe('future.thing');
    expect(roleInWords('super_admin')).toBe('Super administrator');
  });
});
