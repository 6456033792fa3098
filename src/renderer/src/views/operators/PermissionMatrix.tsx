/**
 * Roles × permissions, as the central store's permission table has them (from the manifest): a
 * role holds its own permissions and every lower role's. The signed-in operator's role is marked.
 */
import { Card } from '../../components/Panel';
import { useConsole } from '../../store';

interface Matrix {
  roles: string[];
  permissions: string[];
  has(role: string, permission: string): boolean;
}

/** The manifest's matrix as role → permissions (or a list of { role, permissions }). */
function readMatrix(value: unknown): Matrix | null {
  let byRole: Record<string, readonly string[]> | null = null;
  if (Array.isArray(value)) {
    byRole = Object.fromEntries(value.map((r: { role: string; permissions: string[] }) => [r.role, r.permissions]));
  } else if (value && typeof value === 'object') {
    const v = value as { roles?: unknown; permissions?: unknown; grants?: unknown };
    byRole = v.grants && typeof v.grants === 'object' ? (v.grants as Record<string, string[]>) : (value as Record<string, string[]>);
  }
  if (!byRole) return null;
  const roles = Object.keys(byRole);
  const permissions = [...new Set(roles.flatMap((r) => byRole[r] ?? []))];
  return { roles, permissions, has: (role, p) => (byRole[role] ?? []).includes(p) };
}

export function PermissionMatrix({ matrix, permissionOrder }: { matrix: unknown; permissionOrder?: readonly string[] }) {
  const myRole = useConsole((s) => s.manifest!.operator.role);
  const m = readMatrix(matrix);
  if (!m) return null;
  const permissions = permissionOrder && permissionOrder.length > 0 ? permissionOrder : m.permissions;
  return (
    <Card title="Permission matrix" testId="permission-matrix">
      <div className="matrix-wrap">
        <table className="matrix">
          <thead>
            <tr>
              <th scope="col">Permission</th>
              {m.roles.map((r) => (
                <th key={r} scope="col" className={r === myRole ? 'mine' : ''}>
                  {r.replace('_', ' ')}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {permissions.map((p) => (
              <tr key={p}>
                <th scope="row" className="mono">
                  {p}
                </th>
                {m.roles.map((r) => (
                  <td key={r} className={r === myRole ? 'mine' : ''} aria-label={`${r} ${m.has(r, p) ? 'has' : 'lacks'} ${p}`}>
                    {m.has(r, p) ? '✓' : ''}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
