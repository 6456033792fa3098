/**
 * The 14 permissions and 6 hierarchical roles. A role holds its own permissions and every lower
 * role's. The router checks exactly one permission per command or query; nothing is allowed unless
 * listed here (deny by default). The full model (IP binding, step-up, role-management rules) builds
 * on this table.
 */
export const PERMISSIONS = [
  'payables.view',
  'commissions.calculate',
  'batches.create',
  'batches.submit',
  'batches.approve',
  'batches.approve_high_value',
  'batches.execute',
  'batches.cancel',
  'payouts.retry',
  'reconciliation.run',
  'reports.view',
  'reports.export',
  'audit.view',
  'admin.manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * Each permission as an operator reads it, completing "you need permission to …". The console
 * says these words; the key itself appears only in the permission matrix, next to them.
 */
export const PERMISSION_WORDS: Record<Permission, string> = {
  'payables.view': 'see payables and affiliates',
  'commissions.calculate': 'calculate commissions',
  'batches.create': 'create payout batches',
  'batches.submit': 'submit batches for approval',
  'batches.approve': 'approve batches',
  'batches.approve_high_value': 'approve high-value batches',
  'batches.execute': 'pay out approved batches',
  'batches.cancel': 'cancel batches and hold payouts',
  'payouts.retry': 'retry failed payouts',
  'reconciliation.run': 'run reconciliation',
  'reports.view': 'see reports',
  'reports.export': 'export reports',
  'audit.view': 'see the audit log',
  'admin.manage': 'manage operators and settings',
};

export const ROLES = [
  'viewer',
  'operator',
  'processor',
  'manager',
  'admin',
  'super_admin',
] as const;
export type Role = (typeof ROLES)[number];

/** Each role's name as shown to people ("your role: Maker" reads better than "processor"). */
export const ROLE_WORDS: Record<Role, string> = {
  viewer: 'Viewer',
  operator: 'Operator',
  processor: 'Processor',
  manager: 'Manager',
  admin: 'Administrator',
  super_admin: 'Super administrator',
};

/** A permission (or any other key) in words; an unknown key is returned as it is. */
export function permissionInWords(permission: string): string {
  return (PERMISSION_WORDS as Record<string, string>)[permission] ?? permission;
}

/** A role in words; an unknown role is returned as it is. */
export function roleInWords(role: string): string {
  return (ROLE_WORDS as Record<string, string>)[role] ?? role;
}

/** What each role adds on top of the role below it. */
const GRANTS: Record<Role, readonly Permission[]> = {
  viewer: ['payables.view', 'reports.view'],
  operator: ['commissions.calculate', 'batches.create'],
  processor: ['batches.submit', 'batches.cancel', 'payouts.retry'],
  manager: ['batches.approve', 'batches.approve_high_value', 'reports.export', 'audit.view'],
  admin: ['batches.execute', 'reconciliation.run', 'admin.manage'],
  super_admin: [],
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function roleRank(role: Role): number {
  return ROLES.indexOf(role) + 1;
}

export function permissionsOf(role: Role): Set<Permission> {
  const held = new Set<Permission>();
  for (const r of ROLES.slice(0, roleRank(role))) for (const p of GRANTS[r]) held.add(p);
  return held;
}

export function roleHas(role: string, permission: Permission): boolean {
  return isRole(role) && permissionsOf(role).has(permission);
}
