import { Type } from '@sinclair/typebox';
import type { ApiApp } from '../types.js';

export function routes(app: ApiApp): void {
  app.get('/v1/openapi.json', {
    config: { public: true },
    schema: {
      tags: ['service'],
      summary: 'This API as an OpenAPI 3.0 document',
      security: [],
      response: { 200: Type.Object({}, { additionalProperties: true, description: 'OpenAPI 3.0 document' }) },
    },
    handler: async (_request, reply) => {
      reply.type('application/json');
      return JSON.stringify(app.swagger());
    },
  });
}
