/** The console's reads (and its one settings command), for the catalog. */
export { manifest } from './manifest.js';
export { page as payablesPage } from './payables-page.js';
export { detail as affiliateDetail } from './affiliate.js';
export { page as payoutsPage } from './payouts.js';
export { summary as dashboardSummary } from './dashboard.js';
export { show as settingsShow, set as settingsSet } from './settings.js';
