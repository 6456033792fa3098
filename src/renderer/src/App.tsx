/** A minimal window: it proves the bridge end to end (host info and setup status). The console comes later. */
import { useEffect, useState } from 'react';

interface HostInfo {
  version: string;
  host: string;
  dataDir: string;
  central: string;
}

export function App() {
  const [info, setInfo] = useState<HostInfo | null>(null);
  const [status, setStatus] = useState<string>('checking…');

  useEffect(() => {
    void window.treasury.info().then(setInfo);
    void window.treasury.call<{ initialised: boolean }>('setup.status', {}).then((r) => {
      if (!r.ok) setStatus(`error: ${r.error.message}`);
      else setStatus(r.value.initialised ? 'ready: sign in with `treasury login` (the console comes in the next release)' : 'not initialised: run `npx treasury init`');
    });
  }, []);

  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: 24 }}>
      <h1>Treasury Console</h1>
      <p data-testid="setup-status">{status}</p>
      {info && (
        <dl>
          <dt>Version</dt>
          <dd>{info.version}</dd>
          <dt>Data directory</dt>
          <dd>{info.dataDir}</dd>
          <dt>Central store</dt>
          <dd>{info.central}</dd>
        </dl>
      )}
    </main>
  );
}
