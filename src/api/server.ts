// buildServer: the Fastify application with every route registered, not yet listening. The CLI's `serve`
// listens on it; tests use it over a real socket or with inject().
import Fastify, { type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Store } from '../store/database.js';
import type { ValuationEngine } from '../services/valuation-engine.js';
import { defaultApiConfig, type ApiConfig } from './config.js';
import { CandidatesErrorBody, ErrorBody, RateLimitErrorBody, ValidationErrorBody } from './errors.js';
import { installAuthentication } from './plugins/authenticate.js';
import { installErrorHandling } from './plugins/errors.js';
import { installOpenApi } from './plugins/openapi.js';
import { installRequestIds, requestIdFor } from './plugins/request-id.js';
import * as routeModules from './routes/index.js';
import { valuationRecorder } from '../services/valuations/record-valuations.js';
import type { ApiApp, RegisterRoutes } from './types.js';

export interface BuildServerOptions {
  store: Store;
  engine: ValuationEngine;
  config?: Partial<ApiConfig>;
  /** false (default) for silence, true for info-level JSON on stdout, or a level and a destination stream. */
  logger?: boolean | { level?: string; stream?: { write(line: string): void } };
}

/** Headers that carry keys: never written to a log. */
export const REDACTED_HEADERS = ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'];

function loggerOptions(logger: BuildServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return false;
  const base = { level: 'info', redact: { paths: REDACTED_HEADERS, censor: '[redacted]' } };
  if (logger === true) return base;
  return { ...base, level: logger.level ?? 'info', ...(logger.stream ? { stream: logger.stream } : {}) };
}

export async function buildServer(options: BuildServerOptions): Promise<ApiApp> {
  const config: ApiConfig = { ...defaultApiConfig, ...options.config };
  const app = Fastify({
    logger: loggerOptions(options.logger),
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    requestIdHeader: false,
    genReqId: requestIdFor,
    // Clients that keep connections open must not hold a graceful shutdown hostage.
    forceCloseConnections: 'idle',
    ajv: { customOptions: { allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('valora', { store: options.store, engine: options.engine, config });
  app.decorateRequest('account', null as never);
  app.decorateRequest('startedAt', 0n);
  for (const schema of [ErrorBody, ValidationErrorBody, RateLimitErrorBody, CandidatesErrorBody]) app.addSchema(schema);

  // JSON only: a text/plain body would otherwise reach the schema as a string and read as a 422.
  app.removeContentTypeParser('text/plain');
  installRequestIds(app);
  installErrorHandling(app);
  await installOpenApi(app);
  installAuthentication(app);
  // In-flight requests wait for their batch's commit anyway; this also covers writes no request waits for.
  app.addHook('onClose', async () => valuationRecorder(options.store).drain());
  for (const module of Object.values(routeModules) as Array<{ routes: RegisterRoutes }>) {
    await app.register(async (scope) => module.routes(scope as ApiApp));
  }
  return app;
}
