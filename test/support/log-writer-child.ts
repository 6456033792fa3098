/**
 * A process writing numbered lines through the real logger into a data dir shared with another
 * writer (test/platform/log/logging.test.ts): argv = dataDir, tag, count. Rotation settings come from the
 * environment (TREASURY_LOG_MAX_BYTES, TREASURY_LOG_KEEP), as an operator would set them.
 */
import { logger } from '../../src/core/platform/log/logger.js';

const [dataDir, tag, count] = process.argv.slice(2);
const log = logger(dataDir!);
for (let i = 0; i < Number(count); i++) log.info({ tag, seq: i, filler: 'x'.repeat(40) }, 'line');
