export * from './attributes.js';
export * from './messages.js';
export * from './catalogue.js';
export * from './enums.js';
export { CATALOGUE_ONLY_REQUESTS } from './message-names.js';
export * from './values.js';
export * from './validate.js';
export type * from './types.js';
