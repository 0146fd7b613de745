import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { ApiApp } from '../types.js';

const Health = Type.Object({ status: Type.String() });
const Readiness = Type.Object({
  status: Type.String({ description: '`ready` or `not_ready`' }),
  database: Type.String({ description: '`ok` or `unreachable`' }),
  engine: Type.String({ description: '`ready` or `not_ready`' }),
  error: Type.Optional(Type.String()),
});

export function routes(app: ApiApp): void {
  app.get('/healthz', {
    config: { public: true },
    schema: { tags: ['service'], summary: 'The process is up', security: [], response: { 200: Health } },
    handler: async () => ({ status: 'ok' }),
  });

  app.get('/readyz', {
    config: { public: true },
    schema: {
      tags: ['service'],
      summary: 'The database answers and every market can value',
      security: [],
      response: { 200: Readiness, 503: Readiness },
    },
    handler: async (_request, reply) => {
      let database = 'ok';
      try {
        await sql`select 1`.execute(app.valora.store.db);
      } catch {
        database = 'unreachable';
      }
      const engine = app.valora.engine.isReady() ? 'ready' : 'not_ready';
      if (database === 'ok' && engine === 'ready') return { status: 'ready', database, engine };
      return reply.code(503).send({ status: 'not_ready', database, engine, error: 'Service not ready' });
    },
  });
}
