import { Type } from '@sinclair/typebox';
import { getAccountSummary } from '../../services/accounts/get-account-summary.js';
import { LEDGER_PAGE, listLedgerEntries } from '../../services/ledger/list-ledger-entries.js';
import { errorResponses, AUTHENTICATED_ERRORS } from '../errors.js';
import { Nullable, PageQuery } from '../schema-helpers.js';
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

const LedgerPage = Type.Object({
  balance: Type.Integer({ description: 'The balance now (the sum of every entry)' }),
  entries: Type.Array(
    Type.Object({
      id: Type.Integer(),
      account_id: Type.Integer({ description: 'The member that bought or spent (an organisation pool holds several)' }),
      amount: Type.Integer({ description: '+N a purchase, -1 a charged valuation' }),
      reference: Type.String({ description: 'valuation:<id>, job:<id>:item:<i>, or the purchase reference' }),
      valuation_id: Nullable(Type.Integer()),
      note: Nullable(Type.String()),
      created_at: Type.String(),
    }),
  ),
  next_before: Nullable(Type.Integer({ description: 'Pass as before for the next, older page; null on the last' })),
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

  app.get('/v1/account/ledger', {
    schema: {
      tags: ['account'],
      summary: 'Valora: the purchases and charges behind your balance, newest first (your organisation pool when you have one)',
      querystring: PageQuery(1000, LEDGER_PAGE, Type.Integer({ minimum: 1, description: 'next_before of the previous page' })),
      response: { 200: LedgerPage, ...errorResponses(422, ...AUTHENTICATED_ERRORS) },
    },
    handler: async (request) => listLedgerEntries(app.valora.store.db, request.account, request.query),
  });
}
