import { Type } from '@sinclair/typebox';
import { getAccountSummary } from '../../services/accounts/get-account-summary.js';
import { errorResponses, AUTHENTICATED_ERRORS } from '../errors.js';
import { Nullable } from '../schema-helpers.js';
import type { ApiApp } from '../types.js';

const Account = Type.Object({
  user_id: Type.Integer(),
  email: Type.String(),
  plan_type: Type.String(),
  valuation_balance: Type.Integer({ description: "Credits left; the organisation's shared pool when the account belongs to one" }),
  api_enabled: Type.Boolean(),
  api_rate_limit: Type.Integer({ description: 'Requests per minute' }),
  organisation_id: Nullable(Type.Integer()),
});

export function routes(app: ApiApp): void {
  app.get('/v1/account', {
    schema: {
      tags: ['account'],
      summary: 'Your account, valuation balance and rate limit',
      response: { 200: Account, ...errorResponses(...AUTHENTICATED_ERRORS) },
    },
    handler: async (request) => getAccountSummary(app.valora.store.db, request.account.accountId),
  });
}
