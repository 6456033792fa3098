/** How a commission calculation run as a job reads in the jobs panel and its notices. */
import type { JobView } from '../../../../core/host/bridge/contract';
import { count } from '../../format';

export const CALC = 'commissions.calculate';
export const calcTitle = 'Commission calculation';

/** "Commissions calculated: 1,000,000 conversions, 12 new, 3 updated, 1 adjustment" */
export function calcDone(job: JobView): string {
  const r = job.result as {
    conversions: number;
    inserted: number;
    updated: number;
    adjustments: { created: number };
    errors: { total: number };
  };
  const adjustments =
    r.adjustments.created === 1 ? '1 adjustment' : `${count(r.adjustments.created)} adjustments`;
  const errors = r.errors.total > 0 ? `, ${count(r.errors.total)} errors` : '';
  return `Commissions calculated: ${count(r.conversions)} conversions, ${count(r.inserted)} new, ${count(r.updated)} updated, ${adjustments}${errors}`;
}
