/** Commission engine: rule set parsing, pure evaluation, payout dates. No I/O anywhere in here. */
export * from './rules.js';
export * from './engine.js';
export * from './schedule.js';
