import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Store } from '../store/database.js';
import type { ValuationEngine } from '../services/valuation-engine.js';
import type { AuthenticatedAccount } from '../services/keys/authenticate-api-key.js';
import type { ApiConfig } from './config.js';

/** What every route can reach through `app.valora`. */
export interface ApiDeps {
  store: Store;
  engine: ValuationEngine;
  config: ApiConfig;
}

/** The Fastify instance routes are written against: TypeBox schemas give their handlers typed input. */
export type ApiApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

/** What each module in routes/ exports: registers its routes on the app. */
export type RegisterRoutes = (app: ApiApp) => void | Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    valora: ApiDeps;
  }
  interface FastifyRequest {
    /** The key's account; set on every route that is not `config: { public: true }`. */
    account: AuthenticatedAccount;
    /** process.hrtime.bigint() when the request arrived, for processing_time_ms. */
    startedAt: bigint;
  }
  interface FastifyContextConfig {
    /** No API key needed (health, readiness, the OpenAPI document, /docs). */
    public?: boolean;
    /** Counts against the rate limit (default true for authenticated routes). */
    rateLimited?: boolean;
  }
}
