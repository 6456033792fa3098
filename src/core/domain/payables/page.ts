/** payables.page: a page of the payables grid, from the decided set kept between requests. */
import { defineQuery } from '../../platform/kernel/router.js';
import { decidedPayables } from './decided.js';
import { payablesSet } from './offline.js';
import { payablesFilterOf, payablesPageInput, type PayablesPage } from './payables.js';

export const page = defineQuery({
  name: 'payables.page',
  permission: 'payables.view',
  input: payablesPageInput,
  async run(ctx, input): Promise<PayablesPage> {
    const set = await decidedPayables(ctx, { currency: input.currency, search: input.search });
    return set.page(input, payablesFilterOf(input));
  },
  // Offline: the same page over the cache's mirrors (offline-payables.ts).
  offline: (ctx, input) => ({
    ...payablesSet(ctx.cache, input, ctx.now).page(input, payablesFilterOf(input)),
    offline: true,
  }),
});
