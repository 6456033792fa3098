/**
 * Settings: where the central store is (read-only), the local cache (check, key rotation, rebuild),
 * provider credentials (configured or not; a new value is sent once and never shown), high-value
 * thresholds, the providers' configuration (Rise team and id, sandbox seed and rates, API
 * addresses), and the commission rules editor.
 */
import { Page } from '../components/Panel';
import { CentralConnection } from './settings/CentralConnection';
import { LocalCache } from './settings/LocalCache';
import { ProviderCredentials } from './settings/ProviderCredentials';
import { ProvidersSetting } from './settings/ProvidersSetting';
import { RulesEditor } from './settings/RulesEditor';
import { Thresholds } from './settings/Thresholds';

export function SettingsView() {
  return (
    <Page title="Settings" testId="view-settings">
      <div className="settings-grid">
        <div className="stack">
          <CentralConnection />
          <LocalCache />
          <Thresholds />
        </div>
        <ProviderCredentials />
      </div>
      <ProvidersSetting />
      <RulesEditor />
    </Page>
  );
}
