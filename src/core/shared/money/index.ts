export * from './currency.js';
export * from './rounding.js';
export * from './money.js';
export * from './fx.js';
export * from './displayed.js';
