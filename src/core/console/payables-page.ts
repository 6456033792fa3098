/** payables.page: a page of the payables grid, from the decided set kept between requests. */
import { defineQuery } from '../commands/router.js';
import { decidedPayables } from './decided-payables.js';
import { payablesPageInput, type PayablesPage } from './payables.js';

export const page = defineQuery({
  name: 'payables.page',
  permission: 'payables.view',
  input: payablesPageInput,
  async run(ctx, input): Promise<PayablesPage> {
    const set = await decidedPayables(ctx, { currency: input.currency, search: input.search });
    return set.page(input);
  },
});
