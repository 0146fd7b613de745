// Authentication, the api_enabled switch and the rate limit, in that order, before any body is read:
// a request without a valid key learns nothing else about the API.
import type { FastifyRequest } from 'fastify';
import { authenticateApiKey } from '../../services/keys/authenticate-api-key.js';
import { leasedRateLimiter } from '../../services/rate-limit/leased-rate-limiter.js';
import { localRateLimiter } from '../../services/rate-limit/local-rate-limiter.js';
import { ApiError } from '../errors.js';
import type { ApiApp } from '../types.js';

/** One body for every key problem (missing, malformed, unknown, revoked), so none can be told apart. */
export const UNAUTHORIZED_MESSAGE = 'Missing or invalid Authorization header';

/** The key from `Authorization: Bearer KEY` or `X-API-Key: KEY`. */
export function presentedKey(request: FastifyRequest): string | null {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1]!;
  }
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.trim()) return header.trim();
  return null;
}

export function installAuthentication(app: ApiApp): void {
  const { store, config } = app.valora;
  const counting = config.rateLimitCounting ?? (store.dialect === 'sqlite' ? 'process' : 'database');
  const limiter = counting === 'process' ? localRateLimiter(store) : leasedRateLimiter(store);
  app.addHook('onClose', async () => limiter.flush());
  app.addHook('onRequest', async (request, reply) => {
    if (request.is404 || request.routeOptions.config?.public || request.url.startsWith('/docs')) return;
    const key = presentedKey(request);
    const account = key ? await authenticateApiKey(app.valora.store.db, key) : null;
    if (!account) throw new ApiError(401, UNAUTHORIZED_MESSAGE);
    if (!account.apiEnabled) throw new ApiError(403, 'API access disabled');
    request.account = account;
    if (request.routeOptions.config?.rateLimited === false) return;
    const decision = await limiter.consume(account.accountId, account.rateLimit);
    reply.header('RateLimit-Limit', decision.limit);
    reply.header('RateLimit-Remaining', decision.remaining);
    reply.header('RateLimit-Reset', decision.resetSeconds);
    if (!decision.allowed) {
      reply.header('Retry-After', decision.retryAfter);
      throw new ApiError(429, 'Rate limit exceeded', { limit: decision.limit, retry_after: decision.retryAfter });
    }
  });
}
