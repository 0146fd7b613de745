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
    transformObject: (documentObject) => toOpenApi30(('openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject) as Record<string, unknown>) as never,
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: false } });
}

/**
 * Rewrites the JSON Schema (draft 2019) keywords TypeBox emits into their OpenAPI 3.0 spelling, so the
 * document validates whichever route module wrote the schema: numeric exclusiveMinimum/Maximum become
 * minimum/maximum with a boolean flag, `const` becomes a one-value enum, a union with `type: 'null'`
 * becomes `nullable`.
 */
export function toOpenApi30(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toOpenApi30);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) out[key] = toOpenApi30(value);
  for (const [exclusive, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof out[exclusive] === 'number') {
      out[bound] = out[exclusive];
      out[exclusive] = true;
    }
  }
  if ('const' in out) {
    out.enum = [out.const];
    delete out.const;
  }
  for (const union of ['anyOf', 'oneOf'] as const) {
    const options = out[union];
    if (Array.isArray(options) && options.some((o) => o && (o as { type?: unknown }).type === 'null')) {
      const rest = options.filter((o) => !(o && (o as { type?: unknown }).type === 'null'));
      if (rest.length === 1 && typeof rest[0] === 'object') {
        delete out[union];
        Object.assign(out, rest[0], { nullable: true });
      } else {
        out[union] = rest;
        out.nullable = true;
      }
    }
  }
  return out;
}
