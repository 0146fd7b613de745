import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeTargetNames } from '../support/stores.js';
import { startTestApi, type TestApi } from './support/harness.js';

for (const name of storeTargetNames()) {
  describe(`HTTP behaviour on ${name}`, () => {
    let api: TestApi;
    before(async () => {
      api = await startTestApi(name);
    });
    after(async () => api.close());

    it('answers unknown routes with a JSON 404', async () => {
      const r = await api.call('GET', '/v1/nothing-here?x=1');
      assert.equal(r.status, 404);
      assert.deepEqual(r.body, { error: 'No route GET /v1/nothing-here' });
      assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    });

    it('answers an oversized body with 413 and an unsupported content type with 415', async () => {
      const { key } = await api.newAccount();
      const big = await api.call('POST', '/v1/valuations', { key, rawBody: JSON.stringify({ address: 'x'.repeat(1_100_000) }) });
      assert.equal(big.status, 413);
      assert.deepEqual(big.body, { error: 'Request body too large' });
      const text = await api.call('POST', '/v1/valuations', { key, rawBody: '<uprn>1</uprn>', headers: { 'content-type': 'application/xml' } });
      assert.equal(text.status, 415);
      assert.match(text.body.error, /Content-Type/);
      const plain = await api.call('POST', '/v1/valuations', { key, rawBody: 'uprn=1', headers: { 'content-type': 'text/plain' } });
      assert.equal(plain.status, 415);
    });

    it('gives every response an X-Request-Id, echoing a sane one and replacing anything else', async () => {
      const generated = await api.call('GET', '/healthz');
      assert.match(generated.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
      const echoed = await api.call('GET', '/v1/account', { headers: { 'x-request-id': 'client-req.42' } });
      assert.equal(echoed.status, 401);
      assert.equal(echoed.headers.get('x-request-id'), 'client-req.42');
      const replaced = await api.call('GET', '/healthz', { headers: { 'x-request-id': 'bad id <script>' } });
      assert.match(replaced.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    });

    it('reports health and readiness', async () => {
      assert.deepEqual((await api.call('GET', '/healthz')).body, { status: 'ok' });
      const ready = await api.call('GET', '/readyz');
      assert.equal(ready.status, 200);
      assert.deepEqual(ready.body, { status: 'ready', database: 'ok', engine: 'ready' });
      // A server whose engine was loaded before the models were trained.
      const notReady = await api.callUntrained('GET', '/readyz');
      assert.equal(notReady.status, 503);
      assert.equal(notReady.body.engine, 'not_ready');
    });

    it('sends RateLimit headers on authenticated responses and 429 with retry_after past the limit', async () => {
      const { key } = await api.newAccount({ rateLimit: 3 });
      const seen: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await api.call('GET', '/v1/account', { key });
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('ratelimit-limit'), '3');
        seen.push(Number(r.headers.get('ratelimit-remaining')));
        assert.ok(Number(r.headers.get('ratelimit-reset')) >= 1);
      }
      assert.deepEqual(seen, [2, 1, 0]);
      const limited = await api.call('POST', '/v1/valuations', { key, body: { property_id: api.seeded.uk[0] } });
      assert.equal(limited.status, 429);
      assert.equal(limited.body.error, 'Rate limit exceeded');
      assert.equal(limited.body.limit, 3);
      assert.ok(Number.isInteger(limited.body.retry_after) && limited.body.retry_after >= 1);
      assert.equal(limited.headers.get('retry-after'), String(limited.body.retry_after));
      assert.equal(limited.headers.get('ratelimit-remaining'), '0');
      // Another account is not affected.
      const other = await api.newAccount({ rateLimit: 3 });
      assert.equal((await api.call('GET', '/v1/account', { key: other.key })).status, 200);
    });

    it('never answers with a stack trace or internals', async () => {
      const { key } = await api.newAccount();
      const responses = [
        await api.call('POST', '/v1/valuations', { key, rawBody: '{"a":' }),
        await api.call('POST', '/v1/valuations', { key, rawBody: '' }),
        await api.call('POST', '/v1/avm/property', { key, body: { location: 'nope' } }),
        await api.call('GET', '/v1/valuations/99999999999999999999', { key }),
      ];
      for (const r of responses) {
        assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${JSON.stringify(r.body)}`);
        assert.equal(typeof r.body.error, 'string');
        assert.ok(!/at \w+ \(|node_modules|\.js:\d+|SELECT|sqlite|postgres/i.test(JSON.stringify(r.body)), JSON.stringify(r.body));
      }
    });
  });
}
