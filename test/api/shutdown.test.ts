// Closing the server while valuations are in flight: their rows and credits are written by a shared
// batch (group commit), so closing must wait for it. Whatever got an answer is stored and charged; nothing
// is charged without an answer.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { storeTargetNames } from '../support/stores.js';
import { getBalance } from '../../src/services/ledger/get-balance.js';
import { startTestApi } from './support/harness.js';

for (const name of storeTargetNames()) {
  describe(`closing the server on ${name}`, () => {
    it('answers the valuations in flight first, and every answered one is stored and charged exactly once', async () => {
      const api = await startTestApi(name);
      try {
        const { key, accountId } = await api.newAccount({ credits: 1000 });
        const ids = api.seeded.uk;
        const seen = api.logs.length;
        const responses = Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            api.call('POST', '/v1/valuations', { key, body: { property_id: ids[i % ids.length] } }).catch((error: unknown) => ({ status: 0, body: String(error) })),
          ),
        );
        // Close once the server has taken some of them in; later ones are refused, which charges nothing.
        const arrived = () => api.logs.slice(seen).filter((l) => l.includes('incoming request') && l.includes('/v1/valuations')).length;
        while (arrived() < 10) await delay(2);
        await api.app.close();
        const answered = await responses;
        const ok = answered.filter((r) => r.status === 200).map((r) => r.body as { valuation_id: number; status: string });
        assert.ok(ok.length >= 10, `at least the requests taken in before closing are answered: ${JSON.stringify(answered.map((r) => r.status))}`);
        // Refused: the connection closed (0) or Fastify's 503 to a request arriving while it closes.
        for (const r of answered) assert.ok([200, 0, 503].includes(r.status), JSON.stringify(r));

        const charged = ok.filter((b) => b.status === 'success').map((b) => b.valuation_id);
        const debits = await api.store.db.selectFrom('ledger_entries').select('reference').where('account_id', '=', accountId).where('amount', '=', -1).execute();
        assert.deepEqual(debits.map((d) => d.reference).sort(), charged.map((id) => `valuation:${id}`).sort());
        const stored = await api.store.db.selectFrom('valuations').select('id').where('account_id', '=', accountId).execute();
        assert.deepEqual(stored.map((s) => s.id).sort((a, b) => a - b), ok.map((b) => b.valuation_id).sort((a, b) => a - b));
        assert.equal(await getBalance(api.store.db, accountId), 1000 - charged.length);
      } finally {
        await api.close();
      }
    });
  });
}
