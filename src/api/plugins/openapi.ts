// The OpenAPI document (built from every route's TypeBox schema) and the interactive reference at /docs.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { ApiApp } from '../types.js';

export async function installOpenApi(app: ApiApp): Promise<void> {
  const servers = app.valora.config.publicUrl ? [{ url: app.valora.config.publicUrl }] : [];
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Valora API',
        version: '1.0.0',
        description:
          'Automated valuations over HTTP. Authenticate every request with `Authorization: Bearer KEY` or `X-API-Key: KEY`. ' +
          'Request shapes follow the Gadsden Valuations, PadStats AVM and ZillAPI job contracts.',
      },
      servers,
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer' },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
      security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: false } });
}
