/**
 * words: the console in words for people (words.spec.ts). Embedded PGlite, a small demo with its
 * example rule set as version 1 (from the start), commissions calculated, and one batch submitted
 * and waiting for approval — a status to read in the batches grid. Its own data dir, so that
 * saving rules and thresholds here changes no other scenario.
 */
import path from 'node:path';
import { host, seed } from '../kit.js';

export interface WordsScenario {
  url: string;
  /** The batch waiting for approval. */
  submitted: string;
}

export async function build(root: string): Promise<WordsScenario> {
  const dir = path.join(root, 'words');
  let submitted = '';
  await seed(dir, undefined, async (call) => {
    await call('demo.generate', {
      affiliates: 20,
      conversions: 800,
      seed: 11,
      until: '2026-11-01',
    });
    await call('commissions.calculate', {});
    const created = (await call('batch.create', { provider: 'xendit', currency: 'IDR' })) as {
      batches: { id: string; number: string }[];
    };
    const batch = created.batches[0]!;
    await call('batch.submit', { batch: batch.id });
    submitted = batch.number;
  });
  const { host: h } = await host(dir);
  return { url: h.url, submitted };
}
