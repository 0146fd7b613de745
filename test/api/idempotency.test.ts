// An Idempotency-Key on the synchronous charging requests (POST /v1/valuations and the Gadsden batch):
// a retry gets the first answer and is charged once, on a real server and database.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeTargetNames } from '../support/stores.js';
import { createHash } from 'node:crypto';
import { startTestApi, type TestApi } from './support/harness.js';
import { answerOnce, CLAIM_LEASE_MS } from '../../src/services/idempotency/answer-once.js';
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey, takeOverClaim } from '../../src/store/repositories/idempotent-responses.js';

for (const name of storeTargetNames()) {
  describe(`Idempotency-Key on synchronous valuations on ${name}`, () => {
    let api: TestApi;
    before(async () => {
      api = await startTestApi(name, { markets: ['test-uk'] });
    });
    after(async () => api.close());

    const balanceOf = async (key: string) => (await api.call('GET', '/v1/account', { key })).body.valuation_balance as number;

    it('answers a retried valuation with the first answer and charges once', async () => {
      const { key } = await api.newAccount({ credits: 5 });
      const body = { property_id: api.seeded.uk[3] };
      const first = await api.call('POST', '/v1/valuations', { key, body, headers: { 'idempotency-key': 'valuation-1' } });
      assert.equal(first.status, 200);
      assert.equal(first.body.status, 'success');
      const again = await api.call('POST', '/v1/valuations', { key, body, headers: { 'idempotency-key': 'valuation-1' } });
      assert.equal(again.status, 200);
      assert.deepEqual(again.body, first.body);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(await balanceOf(key), 4);
      const fresh = await api.call('POST', '/v1/valuations', { key, body, headers: { 'idempotency-key': 'valuation-2' } });
      assert.notEqual(fresh.body.valuation_id, first.body.valuation_id);
      assert.equal(await balanceOf(key), 3);
    });

    it('charges once when the same key arrives many times at once: the others are 409 or the first answer', async () => {
      const { key } = await api.newAccount({ credits: 5 });
      const body = { property_id: api.seeded.uk[4] };
      const answers = await Promise.all(Array.from({ length: 12 }, () => api.call('POST', '/v1/valuations', { key, body, headers: { 'idempotency-key': 'burst' } })));
      const ok = answers.filter((r) => r.status === 200);
      assert.ok(ok.length >= 1, JSON.stringify(answers.map((r) => r.status)));
      assert.ok(answers.every((r) => r.status === 200 || r.status === 409), JSON.stringify(answers.map((r) => r.status)));
      assert.equal(new Set(ok.map((r) => r.body.valuation_id)).size, 1, 'every 200 is the one valuation');
      assert.equal(await balanceOf(key), 4);
    });

    it('answers a retried batch once, and refuses the key with another body', async () => {
      const { key } = await api.newAccount({ credits: 10 });
      const body = { properties: [{ property_id: api.seeded.uk[3] }, { property_id: api.seeded.uk[5] }, { postcode: 'ZZ1 1ZZ' }] };
      const first = await api.call('POST', '/v1/valuations/batch', { key, body, headers: { 'idempotency-key': 'batch-1' } });
      assert.equal(first.status, 200);
      const charged = first.body.results.filter((r: { status?: string }) => r.status === 'success').length;
      assert.ok(charged >= 1);
      const again = await api.call('POST', '/v1/valuations/batch', { key, body, headers: { 'idempotency-key': 'batch-1' } });
      assert.deepEqual(again.body, first.body);
      assert.equal(await balanceOf(key), 10 - charged);
      const other = await api.call('POST', '/v1/valuations/batch', { key, body: { properties: [{ property_id: api.seeded.uk[3] }] }, headers: { 'idempotency-key': 'batch-1' } });
      assert.equal(other.status, 422);
      assert.match(other.body.errors['Idempotency-Key'][0], /different request/);
      assert.equal(await balanceOf(key), 10 - charged);
    });

    it('keeps keys per account, frees a key whose request failed, and rejects a malformed key', async () => {
      const a = await api.newAccount({ credits: 0 });
      const b = await api.newAccount({ credits: 2 });
      const body = { property_id: api.seeded.uk[3] };
      const refused = await api.call('POST', '/v1/valuations', { key: a.key, body, headers: { 'idempotency-key': 'shared' } });
      assert.equal(refused.status, 402);
      const other = await api.call('POST', '/v1/valuations', { key: b.key, body, headers: { 'idempotency-key': 'shared' } });
      assert.equal(other.status, 200, 'another account may use the same key');
      const { addCredits } = await import('../../src/services/ledger/add-credits.js');
      await addCredits(api.store, { accountId: a.accountId, credits: 1 });
      const retried = await api.call('POST', '/v1/valuations', { key: a.key, body, headers: { 'idempotency-key': 'shared' } });
      assert.equal(retried.status, 200, 'a 402 did not use up the key');
      assert.equal(await balanceOf(a.key), 0);
      const bad = await api.call('POST', '/v1/valuations', { key: b.key, body, headers: { 'idempotency-key': 'x'.repeat(300) } });
      assert.equal(bad.status, 422);
      assert.ok(bad.body.errors['Idempotency-Key']);
    });

    // A crash between the commit that charged a valuation and the stored answer leaves the key claimed and
    // unanswered. These tests make that state by hand (the stored answer removed, the claim aged past its
    // lease) and check that a retry answers what was charged instead of charging again.
    const claimOf = (accountId: number, idempotencyKey: string) =>
      api.store.db.selectFrom('idempotent_responses').selectAll().where('account_id', '=', accountId).where('idempotency_key', '=', idempotencyKey).executeTakeFirstOrThrow();
    const loseAnswer = async (id: number, ageMs: number) => {
      const createdAt = new Date(Date.now() - ageMs).toISOString();
      await api.store.db.updateTable('idempotent_responses').set({ status_code: null, body: null, created_at: createdAt }).where('id', '=', id).execute();
    };
    const withoutTime = (body: Record<string, unknown>) => ({ ...body, processing_time_ms: 0 });

    it('after a crash that lost the answer, a retry gets the charged valuation again and is not charged', async () => {
      const { key, accountId } = await api.newAccount({ credits: 5 });
      const body = { property_id: api.seeded.uk[3] };
      const headers = { 'idempotency-key': 'crash-after-charge' };
      const first = await api.call('POST', '/v1/valuations', { key, body, headers });
      assert.equal(first.body.status, 'success');
      assert.equal(await balanceOf(key), 4);
      const claim = await claimOf(accountId, 'crash-after-charge');
      await loseAnswer(claim.id, 1000);
      const tooSoon = await api.call('POST', '/v1/valuations', { key, body, headers });
      assert.equal(tooSoon.status, 409, 'within its lease the claim may still belong to a running request');
      await loseAnswer(claim.id, CLAIM_LEASE_MS + 1000);
      const recovered = await api.call('POST', '/v1/valuations', { key, body, headers });
      assert.equal(recovered.status, 200);
      assert.deepEqual(withoutTime(recovered.body), withoutTime(first.body));
      assert.equal(recovered.headers.get('idempotent-replayed'), 'true');
      assert.equal(await balanceOf(key), 4, 'charged once');
      const replayed = await api.call('POST', '/v1/valuations', { key, body, headers });
      assert.deepEqual(replayed.body, recovered.body, 'the recovered answer is now the stored one');
    });

    it('a claim left by a crash before any charge is taken over after its lease and valued once', async () => {
      const { key, accountId } = await api.newAccount({ credits: 5 });
      const body = { property_id: api.seeded.uk[5] };
      await api.store.db
        .insertInto('idempotent_responses')
        .values({
          account_id: accountId,
          idempotency_key: 'crash-before-charge',
          route: '/v1/valuations',
          request_hash: createHash('sha256').update(JSON.stringify(body)).digest('hex'),
          status_code: null,
          body: null,
          created_at: new Date(Date.now() - CLAIM_LEASE_MS - 1000).toISOString(),
        })
        .execute();
      const r = await api.call('POST', '/v1/valuations', { key, body, headers: { 'idempotency-key': 'crash-before-charge' } });
      assert.equal(r.status, 200);
      assert.equal(r.body.status, 'success');
      assert.equal(r.headers.get('idempotent-replayed'), null);
      assert.equal(await balanceOf(key), 4);
      const row = await api.store.db.selectFrom('valuations').select(['idempotency_claim_id', 'idempotency_item']).where('id', '=', r.body.valuation_id).executeTakeFirstOrThrow();
      assert.deepEqual(row, { idempotency_claim_id: (await claimOf(accountId, 'crash-before-charge')).id, idempotency_item: 0 });
    });

    it('a batch interrupted part-way answers its charged items again and values only the rest', async () => {
      const { key, accountId } = await api.newAccount({ credits: 10 });
      const body = { properties: [{ property_id: api.seeded.uk[3] }, { property_id: api.seeded.uk[5] }, { postcode: 'ZZ1 1ZZ' }] };
      const headers = { 'idempotency-key': 'batch-crash' };
      const first = await api.call('POST', '/v1/valuations/batch', { key, body, headers });
      assert.equal(first.status, 200);
      const [a, b, missing] = first.body.results;
      assert.equal(a.status, 'success');
      assert.equal(b.status, 'success');
      assert.ok(missing.error);
      assert.equal(await balanceOf(key), 8);
      // As if the process died after item 0 was charged, before item 1 was.
      const claim = await claimOf(accountId, 'batch-crash');
      await loseAnswer(claim.id, CLAIM_LEASE_MS + 1000);
      await api.store.db.updateTable('valuations').set({ idempotency_claim_id: null, idempotency_item: null }).where('id', '=', b.valuation_id).execute();
      const retried = await api.call('POST', '/v1/valuations/batch', { key, body, headers });
      assert.equal(retried.status, 200);
      assert.deepEqual(withoutTime(retried.body.results[0]), withoutTime(a), 'item 0 answered again');
      assert.equal(retried.body.results[1].status, 'success');
      assert.notEqual(retried.body.results[1].valuation_id, b.valuation_id, 'item 1 valued now');
      assert.deepEqual(retried.body.results[2], missing);
      assert.equal(await balanceOf(key), 7, 'only item 1 charged again');
    });

    it('a request whose claim a retry took over can neither answer nor release it', async () => {
      const { accountId } = await api.newAccount({ credits: 1 });
      const db = api.store.db;
      const first = await claimIdempotencyKey(db, accountId, 'taken-over', '/v1/valuations', 'h');
      assert.ok('claimed' in first);
      // As if the lease had run out while the first request still worked: its stamp, aged.
      await loseAnswer(first.claimed.id, CLAIM_LEASE_MS + 1000);
      const slow = { id: first.claimed.id, stamp: (await claimOf(accountId, 'taken-over')).created_at };
      const retry = await takeOverClaim(db, slow.id, slow.stamp, CLAIM_LEASE_MS);
      assert.ok(retry, 'the retry takes the aged claim');
      assert.equal(await takeOverClaim(db, slow.id, slow.stamp, CLAIM_LEASE_MS), null, 'only once');
      await completeIdempotencyKey(db, slow, 200, '{"late":true}');
      await releaseIdempotencyKey(db, slow);
      const row = await claimOf(accountId, 'taken-over');
      assert.equal(row.status_code, null, "the slow request's late answer is not stored");
      assert.equal(row.created_at, retry.stamp, 'nor did its release touch the claim');
      await completeIdempotencyKey(db, retry, 200, '{"ok":true}');
      assert.equal((await claimOf(accountId, 'taken-over')).body, '{"ok":true}');
    });

    it('a request that fails after charging part of a batch keeps its claim open for the retry; one that charged nothing frees the key', async () => {
      const { accountId } = await api.newAccount({ credits: 1 });
      const route = '/v1/valuations/batch';
      const failing = (chargeFirst: boolean) => async (claim: { id: number } | null) => {
        if (chargeFirst) {
          const now = new Date().toISOString();
          await api.store.db
            .insertInto('valuations')
            .values({ account_id: accountId, source: 'gadsden', market_id: 'test-uk', status: 'no_value', request: '{}', response: '{"status":"no_value"}', created_at: now, completed_at: now, idempotency_claim_id: claim!.id, idempotency_item: 0 })
            .execute();
        }
        throw new Error('the process failed here');
      };
      await assert.rejects(answerOnce(api.store, accountId, 'fails-clean', route, { n: 1 }, failing(false)), /failed here/);
      assert.equal(await api.store.db.selectFrom('idempotent_responses').select('id').where('idempotency_key', '=', 'fails-clean').executeTakeFirst(), undefined, 'key freed');
      await assert.rejects(answerOnce(api.store, accountId, 'fails-late', route, { n: 1 }, failing(true)), /failed here/);
      let seen: unknown = null;
      const retried = await answerOnce(api.store, accountId, 'fails-late', route, { n: 1 }, async (claim) => {
        seen = claim!.answered.get(0);
        return { ok: true };
      });
      assert.equal(retried.replayed, true);
      assert.equal((seen as { status: string }).status, 'no_value', 'the retry took the claim over at once and found what was answered');
    });
  });
}
