/**
 * Roles × permissions, as the central store's permission table has them (from the manifest): a
 * role holds its own permissions and every lower role's. The signed-in operator's role is marked.
 * Each permission in words, with its key beside it: the only place the console shows the key.
 */
import { Card } from '../../components/Panel';
import { permissionInWords, roleInWords } from '../../../../core/shared/permissions';
import { useConsole, type Manifest } from '../../store';

export function PermissionMatrix({ matrix }: { matrix: Manifest['matrix'] }) {
  const myRole = useConsole((s) => s.manifest!.operator.role);
  const roles = matrix.map((r) => r.role);
  const held = new Map<string, Set<string>>(
    matrix.map((r) => [r.role, new Set<string>(r.permissions)]),
  );
  // In the order roles gain them: the lowest role's first.
  const permissions = [...new Set(matrix.flatMap((r) => r.permissions))];
  const has = (role: string, p: string) => held.get(role)?.has(p) ?? false;
  return (
    <Card title="Permission matrix" testId="permission-matrix">
      {/* It scrolls sideways on a narrow window: focusable, so the keyboard can scroll it too. */}
      <div className="matrix-wrap" tabIndex={0} role="region" aria-label="Permission matrix">
        <table className="matrix">
          <thead>
            <tr>
              <th scope="col">Permission</th>
              {roles.map((r) => (
                <th key={r} scope="col" className={r === myRole ? 'mine' : ''}>
                  {roleInWords(r)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {permissions.map((p) => (
              <tr key={p}>
                <th scope="row" data-testid={`permission-${p}`}>
                  {permissionInWords(p)} <code className="muted small">{p}</code>
                </th>
                {roles.map((r) => (
                  <td
                    key={r}
                    className={r === myRole ? 'mine' : ''}
                    aria-label={`${roleInWords(r)} ${has(r, p) ? 'may' : 'may not'} ${permissionInWords(p)}`}
                  >
                    {has(r, p) ? '✓' : ''}
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
