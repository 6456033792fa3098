/**
 * Where the central store is and whether it answers — read-only: it is chosen when the app starts.
 */
import { useEffect, useState } from 'react';
import type { HostInfo } from '../../../../core/host/bridge/contract';
import { Card } from '../../components/Panel';

export function CentralConnection() {
  const [info, setInfo] = useState<HostInfo | null>(null);
  useEffect(() => {
    void window.treasury.info().then(setInfo);
  }, []);
  return (
    <Card title="Central connection" testId="settings-central">
      {!info ? (
        <p className="muted">Asking the host…</p>
      ) : (
        <>
          <table className="facts kv">
            <tbody>
              <tr>
                <th>Central store</th>
                <td className="mono" data-testid="settings-central-location">
                  {info.central}
                </td>
              </tr>
              <tr>
                <th>State</th>
                <td data-testid="settings-central-state">
                  <span className={`badge ${info.online ? 'online' : 'offline'}`}>
                    {info.online ? 'Online' : 'Offline'}
                  </span>
                  {!info.online && info.offlineReason && (
                    <span className="muted"> {info.offlineReason}</span>
                  )}
                </td>
              </tr>
              <tr>
                <th>Data dir</th>
                <td className="mono">{info.dataDir}</td>
              </tr>
              <tr>
                <th>Version</th>
                <td>
                  {info.version} ({info.host === 'electron' ? 'desktop app' : 'browser host'})
                </td>
              </tr>
            </tbody>
          </table>
          <p className="muted small">
            To use another central store, start the app with{' '}
            <code>TREASURY_CENTRAL_URL=postgres://…</code> (or the CLI's <code>--central</code>);
            without it the embedded store in the data dir is used. <code>TREASURY_DATA_DIR</code>{' '}
            chooses the data dir. Both are read at start-up and cannot be changed while the console
            runs.
          </p>
        </>
      )}
    </Card>
  );
}
