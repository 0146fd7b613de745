// Every route module, one line each: `export * as <name> from './<file>.js';` where the module exports
// `routes(app)`. buildServer registers them all in this order.
export * as health from './health.js';
export * as openapi from './openapi.js';
export * as account from './account.js';
export * as keys from './keys.js';
export * as valuations from './valuations.js';
export * as avmProperty from './avm-property.js';
export * as valuationsBatch from './valuations-batch.js';
export * as avmBatch from './avm-batch.js';
export * as jobs from './jobs.js';
export * as search from './search.js';
export * as propertiesBatch from './properties-batch.js';
export * as webhooks from './webhooks.js';
export * as dashboard from './dashboard.js';
