/**
 * imports: an empty store but for the operators every scenario has (admin, maker, checker,
 * viewer): the import spec brings in its own affiliates and conversions through the Import view.
 */
import path from 'node:path';
import { host, seed } from '../kit.js';

export async function build(root: string): Promise<object> {
  const dir = path.join(root, 'imports');
  await seed(dir, undefined, async () => {});
  const { host: h } = await host(dir);
  return { url: h.url };
}
