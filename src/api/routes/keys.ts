import { Type } from '@sinclair/typebox';
import { createApiKey, MAX_KEY_NAME_LENGTH } from '../../services/keys/create-api-key.js';
import { listApiKeys } from '../../services/keys/list-api-keys.js';
import { revokeApiKey } from '../../services/keys/revoke-api-key.js';
import { ApiError, AUTHENTICATED_ERRORS, errorResponses } from '../errors.js';
import { Nullable } from '../schema-helpers.js';
import { gadsdenTimestamp } from '../time.js';
import type { ApiApp } from '../types.js';

const KeySummary = Type.Object({
  id: Type.Integer(),
  key_prefix: Type.String(),
  name: Nullable(Type.String()),
  last_used_at: Nullable(Type.String()),
  created_at: Type.String(),
  revoked_at: Nullable(Type.String()),
});

const CreatedKey = Type.Object({
  id: Type.Integer(),
  key: Type.String({ description: 'The full key. Shown only in this response.' }),
  key_prefix: Type.String(),
  name: Nullable(Type.String()),
  message: Type.String(),
});

export function routes(app: ApiApp): void {
  app.get('/v1/keys', {
    schema: {
      tags: ['keys'],
      summary: 'List your API keys, revoked ones included',
      response: { 200: Type.Object({ keys: Type.Array(KeySummary) }), ...errorResponses(...AUTHENTICATED_ERRORS) },
    },
    handler: async (request) => {
      const keys = await listApiKeys(app.valora.store.db, request.account.accountId);
      return {
        keys: keys.map((k) => ({
          ...k,
          last_used_at: gadsdenTimestamp(k.last_used_at),
          created_at: gadsdenTimestamp(k.created_at),
          revoked_at: gadsdenTimestamp(k.revoked_at),
        })),
      };
    },
  });

  app.post('/v1/keys', {
    schema: {
      tags: ['keys'],
      summary: 'Create an API key (at most 5 active); the full key is returned once',
      body: Type.Optional(Type.Object({ name: Type.Optional(Nullable(Type.String({ maxLength: MAX_KEY_NAME_LENGTH }))) })),
      response: { 201: CreatedKey, ...errorResponses(400, 422, ...AUTHENTICATED_ERRORS) },
    },
    // The name is optional, and so is the body that carries it.
    preValidation: async (request) => {
      if (request.body == null) request.body = {};
    },
    handler: async (request, reply) => {
      const name = request.body?.name ?? null;
      const { row, key } = await createApiKey(app.valora.store, request.account.accountId, name);
      return reply.code(201).send({ id: row.id, key, key_prefix: row.key_prefix, name: row.name, message: 'Store this key securely. It will not be shown again.' });
    },
  });

  app.delete('/v1/keys/:id', {
    schema: {
      tags: ['keys'],
      summary: 'Revoke an API key; it stops working on the next request',
      params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) }),
      response: { 200: Type.Object({ message: Type.String() }), ...errorResponses(404, 422, ...AUTHENTICATED_ERRORS) },
    },
    handler: async (request) => {
      const revoked = await revokeApiKey(app.valora.store.db, request.account.accountId, request.params.id);
      if (!revoked) throw new ApiError(404, 'API key not found');
      return { message: 'API key revoked' };
    },
  });
}
