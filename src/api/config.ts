// Settings of the HTTP service that are not about storage (the store is passed in already open).
export interface ApiConfig {
  /** Largest request body accepted, in bytes; larger ones get 413. */
  bodyLimit: number;
  /** Requests per minute for accounts created without an explicit limit. */
  defaultRateLimit: number;
  /** Trust X-Forwarded-* from a proxy in front (the client address in logs). */
  trustProxy: boolean;
  /** Base URL shown in the OpenAPI document's `servers` (absent: relative). */
  publicUrl?: string;
  /**
   * Where rate-limit counts are kept between requests: 'database' (claimed from the database in leases,
   * atomically, services/rate-limit/leased-rate-limiter.ts; right whenever several processes serve one
   * database) or 'process' (memory, written through in batches; only for the one process serving a
   * database). Default: 'process' on SQLite, 'database' on PostgreSQL;
   * `valora serve --workers N` (N > 1) sets 'database'.
   */
  rateLimitCounting?: 'process' | 'database';
}

export const defaultApiConfig: ApiConfig = {
  bodyLimit: 1_048_576,
  defaultRateLimit: 60,
  trustProxy: false,
};
