/** The dashboard's data, as the dashboard.summary query delivers it over the bridge. */
import type { CallOutput } from '../../../../core/host/bridge/contract';

export type DashboardSummary = CallOutput<'dashboard.summary'>;
