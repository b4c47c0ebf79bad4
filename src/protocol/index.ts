export * from './attributes.js';
export * from './messages.js';
export * from './catalogue.js';
export * from './values.js';
export * from './validate.js';
export type * from './types.js';
