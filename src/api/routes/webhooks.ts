// Account webhook endpoints (ZillAPI): every job of the account, when it finishes, is POSTed to each, signed
// with the endpoint's own whsec_ secret (shown once, at creation).
import { Type } from '@sinclair/typebox';
import { ApiError, AUTHENTICATED_ERRORS, errorResponses, validationError } from '../errors.js';
import { countEndpoints, deleteEndpoint, insertEndpoint, listEndpoints, type WebhookEndpointRow } from '../../store/repositories/webhooks.js';
import { createWebhookSecret } from '../../services/webhooks/sign-webhook.js';
import { checkWebhookUrl, SubmissionError } from '../../services/jobs/submission-rules.js';
import { Nullable } from '../schema-helpers.js';
import type { ApiApp } from '../types.js';

export const MAX_WEBHOOK_ENDPOINTS = 10;

const Endpoint = Type.Object({
  id: Type.Integer(),
  url: Type.String(),
  description: Nullable(Type.String()),
  created_at: Type.String(),
});

const CreatedEndpoint = Type.Object({
  id: Type.Integer(),
  url: Type.String(),
  description: Nullable(Type.String()),
  created_at: Type.String(),
  secret: Type.String({ description: 'whsec_… signing secret (Standard Webhooks). Shown only in this response.' }),
});

function present(row: WebhookEndpointRow) {
  return { id: row.id, url: row.url, description: row.description, created_at: row.created_at };
}

export function routes(app: ApiApp): void {
  app.post('/v1/webhooks', {
    schema: {
      tags: ['webhooks'],
      summary: `Register a webhook endpoint (at most ${MAX_WEBHOOK_ENDPOINTS}); finished jobs are POSTed to it, signed`,
      body: Type.Object({ url: Type.String({ maxLength: 2000 }), description: Type.Optional(Type.String({ maxLength: 200 })) }),
      response: { 201: Type.Object({ data: CreatedEndpoint, request_id: Type.String() }), ...errorResponses(422, ...AUTHENTICATED_ERRORS) },
    },
    handler: async (request, reply) => {
      const { store } = app.valora;
      const accountId = request.account.accountId;
      let url: string;
      try {
        url = await checkWebhookUrl('url', request.body.url);
      } catch (error) {
        if (error instanceof SubmissionError) throw validationError(error.field, error.message);
        throw error;
      }
      if ((await countEndpoints(store.db, accountId)) >= MAX_WEBHOOK_ENDPOINTS) {
        throw validationError('url', `An account may have at most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints; delete one first.`);
      }
      const secret = createWebhookSecret();
      const row = await insertEndpoint(store.db, { accountId, url, description: request.body.description ?? null, secret, now: new Date().toISOString() });
      return reply.code(201).send({ data: { ...present(row), secret }, request_id: request.id });
    },
  });

  app.get('/v1/webhooks', {
    schema: {
      tags: ['webhooks'],
      summary: 'List your webhook endpoints (secrets are not shown again)',
      response: { 200: Type.Object({ data: Type.Array(Endpoint), request_id: Type.String() }), ...errorResponses(...AUTHENTICATED_ERRORS) },
    },
    handler: async (request) => {
      const rows = await listEndpoints(app.valora.store.db, request.account.accountId);
      return { data: rows.map(present), request_id: request.id };
    },
  });

  app.delete('/v1/webhooks/:id', {
    schema: {
      tags: ['webhooks'],
      summary: 'Delete a webhook endpoint; deliveries already queued for it still go out',
      params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
      response: {
        200: Type.Object({ data: Type.Object({ id: Type.Integer(), deleted: Type.Boolean() }), request_id: Type.String() }),
        ...errorResponses(404, 422, ...AUTHENTICATED_ERRORS),
      },
    },
    handler: async (request) => {
      const deleted = await deleteEndpoint(app.valora.store.db, request.account.accountId, request.params.id, new Date().toISOString());
      if (!deleted) throw new ApiError(404, 'Webhook endpoint not found');
      return { data: { id: request.params.id, deleted: true }, request_id: request.id };
    },
  });
}
