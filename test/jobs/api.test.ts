// Every batch, job, search and webhook endpoint over a real socket and a real database, with the real queue
// and workers running in the server's process.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { parse as parseCsv } from 'csv-parse/sync';
import { storeTargetNames } from '../support/stores.js';
import { startTestApi, type TestApi } from '../api/support/harness.js';
import { US_ORIGIN } from '../api/support/seed.js';
import { startJobRuntime, type JobRuntime } from '../../src/services/jobs/start-job-runtime.js';
import { runValuationBatch, NOT_PROCESSED_ERROR } from '../../src/services/jobs/run-valuation-batch.js';
import { createValuationContext } from '../../src/services/valuations/valuation-context.js';
import { getBalance } from '../../src/services/ledger/get-balance.js';
import { UNSUPPORTED_AVM_TYPES } from '../../src/services/jobs/process-avm-batch.js';

process.env.VALORA_WEBHOOK_ALLOW = 'loopback';

function usItem(i: number, extra: Record<string, unknown> = {}) {
  return {
    property_id: `ref-${String(i).padStart(3, '0')}`,
    location: { latitude: US_ORIGIN.latitude + (i % 4) * 0.001, longitude: US_ORIGIN.longitude },
    search_params: { radius_mi: 5.0, num_comparables: 0 },
    property_fields: { total_bedrooms: 3, total_bathrooms: 2, living_area: 1800, year_built: 1995, property_type: 'houses' },
    ...extra,
  };
}

async function debitsOf(api: TestApi, jobId: string): Promise<number> {
  const rows = await api.store.db.selectFrom('ledger_entries').select('id').where('reference', 'like', `job:${jobId}:item:%`).execute();
  return rows.length;
}

for (const target of storeTargetNames()) {
  describe(`batch and job endpoints on ${target}`, () => {
    let api: TestApi;
    let runtime: JobRuntime | null = null;
    const startWorkers = () => {
      runtime ??= startJobRuntime({ store: api.store, engine: api.engine, workers: 1, webhookBackoffMs: 20 });
    };
    const stopWorkers = async () => {
      await runtime?.stop();
      runtime = null;
    };
    before(async () => {
      api = await startTestApi(target);
    });
    after(async () => {
      await stopWorkers();
      await api.close();
    });

    async function pollUntil(key: string, path: string, done: (body: any) => boolean) {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const r = await api.call('GET', path, { key });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        if (done(r.body)) return r.body;
        if (Date.now() > deadline) throw new Error(`still not done: ${JSON.stringify(r.body).slice(0, 300)}`);
        await delay(20);
      }
    }

    it('POST /v1/avm/batch/property: 202 with the documented fields, then the completed shape with results in order', async () => {
      startWorkers();
      const { key, accountId } = await api.newAccount({ credits: 10 });
      const properties = [usItem(0), { ...usItem(1), location: { address: '1 Nowhere Street, Atlantis' } }, usItem(2)];
      const submitted = await api.call('POST', '/v1/avm/batch/property', { key, via: 'x-api-key', body: { properties } });
      assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
      const s = submitted.body;
      assert.deepEqual(Object.keys(s).sort(), ['avm_type', 'created_at', 'job_id', 'notify_url', 'status', 'status_url', 'total']);
      assert.equal(s.status, 'queued');
      assert.equal(s.avm_type, 'property');
      assert.equal(s.total, 3);
      assert.equal(s.notify_url, null);
      assert.equal(s.status_url, `/v1/avm/batch/${s.job_id}`);
      assert.match(s.job_id, /^[0-9a-f-]{36}$/);
      const job = await pollUntil(key, s.status_url, (b) => b.status === 'complete');
      assert.equal(job.total, 3);
      assert.equal(job.completed, 2);
      assert.equal(job.failed, 1);
      assert.equal(job.progress_pct, 100);
      assert.equal(job.webhook_delivered, false);
      assert.ok(job.completed_at && job.updated_at);
      assert.deepEqual(job.results.map((r: any) => [r.index, r.property_id, r.status]), [[0, 'ref-000', 'complete'], [1, 'ref-001', 'error'], [2, 'ref-002', 'complete']]);
      assert.equal(job.results[1].error, 'Unable to geocode address');
      const valuation = job.results[0].data.valuation;
      assert.ok(valuation.point_value > 0);
      assert.ok(valuation.confidence_interval_95.lower <= valuation.point_value && valuation.point_value <= valuation.confidence_interval_95.upper);
      assert.equal(await debitsOf(api, s.job_id), 2);
      assert.equal(await getBalance(api.store.db, accountId), 8);
      // The generic view of the same job.
      const generic = await api.call('GET', `/v1/jobs/${s.job_id}`, { key });
      assert.equal(generic.status, 200);
      assert.equal(generic.body.data.status, 'succeeded');
      assert.equal(generic.body.data.kind, 'avm_batch');
      assert.equal(generic.body.request_id, generic.headers.get('x-request-id'));
    });

    it('shows the in-progress shape while queued or running', async () => {
      await stopWorkers();
      const { key } = await api.newAccount({ credits: 10 });
      const submitted = await api.call('POST', '/v1/avm/batch/property', { key, body: { properties: [usItem(0), usItem(1)] } });
      const polled = await api.call('GET', submitted.body.status_url, { key });
      assert.equal(polled.status, 200);
      assert.deepEqual(
        { status: polled.body.status, total: polled.body.total, completed: polled.body.completed, failed: polled.body.failed, progress_pct: polled.body.progress_pct },
        { status: 'queued', total: 2, completed: 0, failed: 0, progress_pct: 0 },
      );
      assert.equal(polled.body.results, undefined);
      assert.equal(polled.body.webhook_delivered, undefined);
      startWorkers();
      await pollUntil(key, submitted.body.status_url, (b) => b.status === 'complete');
    });

    it('rental and multifamily batches fail each item with a clear reason and charge nothing', async () => {
      startWorkers();
      const { key, accountId } = await api.newAccount({ credits: 5 });
      for (const type of ['rental', 'multifamily']) {
        const submitted = await api.call('POST', `/v1/avm/batch/${type}`, { key, body: { properties: [usItem(0), usItem(1)] } });
        assert.equal(submitted.status, 202);
        assert.equal(submitted.body.avm_type, type);
        const job = await pollUntil(key, submitted.body.status_url, (b) => b.status === 'complete');
        assert.equal(job.failed, 2);
        assert.ok(job.results.every((r: any) => r.status === 'error' && r.error === UNSUPPORTED_AVM_TYPES[type]));
      }
      assert.equal(await getBalance(api.store.db, accountId), 5);
    });

    it('refuses bad submissions with the documented status and the field to fix', async () => {
      const { key } = await api.newAccount({ credits: 2 });
      const poor = await api.call('POST', '/v1/avm/batch/property', { key, body: { properties: [usItem(0), usItem(1), usItem(2)] } });
      assert.equal(poor.status, 402);
      assert.deepEqual(poor.body, { error: 'Insufficient valuations' });
      const tooMany = await api.call('POST', '/v1/avm/batch/rental', { key, body: { properties: Array.from({ length: 501 }, (_, i) => usItem(i)) } });
      assert.equal(tooMany.status, 422);
      assert.ok(tooMany.body.errors.properties, JSON.stringify(tooMany.body));
      const empty = await api.call('POST', '/v1/avm/batch/property', { key, body: { properties: [] } });
      assert.equal(empty.status, 422);
      const noLocation = await api.call('POST', '/v1/avm/batch/property', { key, body: { properties: [{ ...usItem(0), location: {} }] } });
      assert.equal(noLocation.status, 422);
      assert.ok(noLocation.body.errors['properties.0.location'], JSON.stringify(noLocation.body));
      // A batch item is refused exactly where the single-property AVM refuses the same item (one schema).
      const limits: Array<[Record<string, unknown>, string]> = [
        [{ search_params: { radius_mi: 0 } }, 'search_params.radius_mi'],
        [{ search_params: { radius_mi: 101 } }, 'search_params.radius_mi'],
        [{ location: { address: 'x'.repeat(501) } }, 'location.address'],
        [{ property_fields: { year_built: 1990.5 } }, 'property_fields.year_built'],
        [{ property_id: { nested: true } }, 'property_id'],
      ];
      for (const [change, field] of limits) {
        const item = usItem(0, change);
        const single = await api.call('POST', '/v1/avm/property', { key, body: item });
        const batch = await api.call('POST', '/v1/avm/batch/property', { key, body: { properties: [item] } });
        assert.equal(single.status, 422, JSON.stringify(single.body));
        assert.equal(batch.status, 422, JSON.stringify(batch.body));
        assert.ok(single.body.errors[field], `${field}: ${JSON.stringify(single.body)}`);
        assert.ok(batch.body.errors[`properties.0.${field}`], `${field}: ${JSON.stringify(batch.body)}`);
      }
      const privateHook = await api.call('POST', '/v1/avm/batch/property', { key, body: { properties: [usItem(0)], notify_url: 'http://169.254.169.254/latest' } });
      assert.equal(privateHook.status, 422);
      assert.match(privateHook.body.errors.notify_url[0], /private|link-local/);
      const badKey = await api.call('POST', '/v1/avm/batch/property', { key, body: { properties: [usItem(0)] }, headers: { 'idempotency-key': 'ü'.repeat(3) } });
      assert.equal(badKey.status, 422);
      const malformed = await api.call('POST', '/v1/avm/batch/property', { key, rawBody: '{"properties": [' });
      assert.equal(malformed.status, 400);
      const anonymous = await api.call('POST', '/v1/avm/batch/property', { body: { properties: [usItem(0)] } });
      assert.equal(anonymous.status, 401);
    });

    it('a submission counts once against the rate limit, however many items it has', async () => {
      const { key } = await api.newAccount({ credits: 600, rateLimit: 5 });
      const first = await api.call('POST', '/v1/avm/batch/rental', { key, body: { properties: Array.from({ length: 500 }, (_, i) => usItem(i)) } });
      assert.equal(first.status, 202);
      assert.equal(first.headers.get('ratelimit-remaining'), '4');
      const second = await api.call('POST', '/v1/properties/batch', { key, body: { properties: Array.from({ length: 500 }, (_, i) => ({ property_id: i + 1 })) } });
      assert.equal(second.status, 202);
      assert.equal(second.headers.get('ratelimit-remaining'), '3');
    });

    it('a job is visible to its own account only', async () => {
      startWorkers();
      const owner = await api.newAccount({ credits: 5 });
      const other = await api.newAccount({ credits: 5 });
      const submitted = await api.call('POST', '/v1/avm/batch/property', { key: owner.key, body: { properties: [usItem(0)] } });
      const id = submitted.body.job_id;
      for (const path of [`/v1/avm/batch/${id}`, `/v1/jobs/${id}`, `/v1/jobs/${id}/results`]) {
        const r = await api.call('GET', path, { key: other.key });
        assert.equal(r.status, 404, path);
        assert.deepEqual(r.body, { error: 'Job not found' });
      }
      assert.equal((await api.call('POST', `/v1/jobs/${id}/cancel`, { key: other.key })).status, 404);
      assert.equal((await api.call('GET', '/v1/jobs/no-such-job', { key: owner.key })).status, 404);
      assert.equal((await api.call('GET', `/v1/jobs/${id}`, { key: owner.key })).status, 200);
    });

    it('GET /v1/jobs lists the account\'s jobs of every kind, newest first, page by page', async () => {
      const owner = await api.newAccount({ credits: 20 });
      const other = await api.newAccount({ credits: 5 });
      // Listed by creation time (then id): a few milliseconds apart, so the order below is the submissions'.
      const ids: string[] = [];
      ids.push((await api.call('POST', '/v1/avm/batch/property', { key: owner.key, body: { properties: [usItem(0)] } })).body.job_id);
      await delay(5);
      ids.push((await api.call('POST', '/v1/search', { key: owner.key, body: { async: true, filters: {} } })).body.data.job_id);
      await delay(5);
      ids.push((await api.call('POST', '/v1/avm/batch/property', { key: owner.key, body: { properties: [usItem(1), usItem(2)] } })).body.job_id);
      await api.call('POST', '/v1/avm/batch/property', { key: other.key, body: { properties: [usItem(3)] } });
      const all = await api.call('GET', '/v1/jobs', { key: owner.key });
      assert.equal(all.status, 200);
      assert.deepEqual(all.body.data.map((j: { job_id: string }) => j.job_id), [...ids].reverse());
      assert.deepEqual(all.body.data.map((j: { kind: string }) => j.kind), ['avm_batch', 'search', 'avm_batch']);
      assert.equal(all.body.data[0].total, 2);
      assert.equal(all.body.next_before, null);
      assert.ok(all.body.request_id);
      const first = await api.call('GET', '/v1/jobs?limit=2', { key: owner.key });
      assert.equal(first.body.data.length, 2);
      const rest = await api.call('GET', `/v1/jobs?limit=2&before=${encodeURIComponent(first.body.next_before)}`, { key: owner.key });
      assert.deepEqual([...first.body.data, ...rest.body.data].map((j: { job_id: string }) => j.job_id), all.body.data.map((j: { job_id: string }) => j.job_id));
      assert.equal(rest.body.next_before, null);
      assert.equal((await api.call('GET', '/v1/jobs', { key: other.key })).body.data.length, 1, 'only its own');
      const bad = await api.call('GET', '/v1/jobs?before=yesterday', { key: owner.key });
      assert.equal(bad.status, 422);
      assert.ok(bad.body.errors.before);
      assert.equal((await api.call('GET', '/v1/jobs?limit=101', { key: owner.key })).status, 422);
    });

    it('Idempotency-Key returns the original job; another body with the same key is 422', async () => {
      await stopWorkers();
      const { key, accountId } = await api.newAccount({ credits: 5 });
      const body = { properties: [usItem(0), usItem(1)] };
      const first = await api.call('POST', '/v1/avm/batch/property', { key, body, headers: { 'idempotency-key': 'order-42' } });
      const again = await api.call('POST', '/v1/avm/batch/property', { key, body, headers: { 'idempotency-key': 'order-42' } });
      assert.equal(first.status, 202);
      assert.equal(again.status, 202);
      assert.equal(again.body.job_id, first.body.job_id);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      const changed = await api.call('POST', '/v1/avm/batch/property', { key, body: { properties: [usItem(3)] }, headers: { 'idempotency-key': 'order-42' } });
      assert.equal(changed.status, 422);
      assert.ok(changed.body.errors['Idempotency-Key']);
      const jobs = await api.store.db.selectFrom('jobs').select('id').where('account_id', '=', accountId).execute();
      assert.equal(jobs.length, 1);
      startWorkers();
      await pollUntil(key, first.body.status_url, (b) => b.status === 'complete');
      assert.equal(await getBalance(api.store.db, accountId), 3, 'charged once for two items');
    });

    it('cancels a queued job (aborted, nothing charged) and answers 409 for a finished one', async () => {
      await stopWorkers();
      const { key, accountId } = await api.newAccount({ credits: 5 });
      const submitted = await api.call('POST', '/v1/avm/batch/property', { key, body: { properties: [usItem(0), usItem(1)] } });
      const id = submitted.body.job_id;
      const cancelled = await api.call('POST', `/v1/jobs/${id}/cancel`, { key });
      assert.equal(cancelled.status, 200);
      assert.equal(cancelled.body.data.status, 'aborted');
      const again = await api.call('POST', `/v1/jobs/${id}/cancel`, { key });
      assert.equal(again.status, 409);
      assert.equal(again.body.data.status, 'aborted');
      const padstats = await api.call('GET', `/v1/avm/batch/${id}`, { key });
      assert.equal(padstats.body.status, 'failed');
      assert.equal(padstats.body.job_status, 'aborted');
      assert.ok(padstats.body.results.every((r: any) => r.status === 'error'));
      startWorkers();
      await delay(200);
      assert.equal((await api.call('GET', `/v1/jobs/${id}`, { key })).body.data.status, 'aborted', 'a worker does not resurrect it');
      assert.equal(await getBalance(api.store.db, accountId), 5);
    });

    it('times a job out after timeout_secs', async () => {
      await stopWorkers();
      const { key } = await api.newAccount({ credits: 5 });
      const submitted = await api.call('POST', '/v1/avm/batch/property', { key, body: { properties: [usItem(0)], timeout_secs: 1 } });
      await delay(1100);
      startWorkers();
      const job = await pollUntil(key, `/v1/jobs/${submitted.body.job_id}`, (b) => b.data.status !== 'queued' && b.data.status !== 'running');
      assert.equal(job.data.status, 'timed_out');
      assert.equal(job.data.error, 'The job exceeded its timeout');
      const bad = await api.call('POST', '/v1/avm/batch/property', { key, body: { properties: [usItem(0)], timeout_secs: 0 } });
      assert.equal(bad.status, 422);
    });

    it('GET /v1/jobs/{id}/results pages in input order, as JSON and CSV', async () => {
      startWorkers();
      const { key } = await api.newAccount({ credits: 20 });
      const properties = Array.from({ length: 7 }, (_, i) => usItem(i));
      const submitted = await api.call('POST', '/v1/avm/batch/property', { key, body: { properties } });
      const id = submitted.body.job_id;
      await pollUntil(key, `/v1/jobs/${id}`, (b) => b.data.status === 'succeeded');
      const seen: number[] = [];
      let offset: number | null = 0;
      while (offset !== null) {
        const page = await api.call('GET', `/v1/jobs/${id}/results?limit=3&offset=${offset}&format=json`, { key });
        assert.equal(page.status, 200);
        assert.equal(page.body.data.total, 7);
        for (const item of page.body.data.items) {
          seen.push(item.index);
          assert.equal(item.status, 'succeeded');
          assert.equal(item.input.property_id, `ref-${String(item.index).padStart(3, '0')}`);
          assert.ok(item.data.valuation.point_value > 0);
        }
        offset = page.body.data.next_offset;
      }
      assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6]);
      const csv = await api.call('GET', `/v1/jobs/${id}/results?limit=5&offset=1&format=csv`, { key });
      assert.equal(csv.status, 200);
      assert.match(csv.headers.get('content-type')!, /^text\/csv/);
      const rows = parseCsv(csv.body as string, { columns: true }) as Array<Record<string, string>>;
      assert.deepEqual(rows.map((r) => r.index), ['1', '2', '3', '4', '5']);
      assert.equal(rows[0]!['input.property_id'], 'ref-001');
      assert.ok(Number(rows[0]!['data.valuation.point_value']) > 0);
      assert.equal(csv.headers.get('x-next-offset'), '6');
      assert.equal((await api.call('GET', `/v1/jobs/${id}/results?limit=1001`, { key })).status, 422);
      assert.equal((await api.call('GET', `/v1/jobs/${id}/results?format=xml`, { key })).status, 422);
      const beyond = await api.call('GET', `/v1/jobs/${id}/results?offset=100`, { key });
      assert.deepEqual(beyond.body.data.items, []);
      assert.equal(beyond.body.data.next_offset, null);
    });

    it('POST /v1/search: sync up to 50, async above or on request; filters by place, box, point, beds and sale', async () => {
      startWorkers();
      const { key } = await api.newAccount({ credits: 1 });
      const sync = await api.call('POST', '/v1/search', { key, body: { filters: { location: 'Test US', beds: { min: 3 } }, maxItems: 50 } });
      assert.equal(sync.status, 200, JSON.stringify(sync.body));
      assert.equal(sync.body.data.status, 'succeeded');
      assert.ok(sync.body.data.items.length > 0);
      assert.ok(sync.body.data.items.every((p: any) => p.market === 'test-us' && p.bedrooms >= 3));
      const byPostcode = await api.call('POST', '/v1/search', { key, body: { filters: { location: 'M20 2TG' } } });
      assert.equal(byPostcode.body.data.items.length, 12);
      const box = await api.call('POST', '/v1/search', { key, body: { filters: { bbox: [US_ORIGIN.longitude - 0.0005, US_ORIGIN.latitude - 0.0005, US_ORIGIN.longitude + 0.0005, US_ORIGIN.latitude + 0.0035] } } });
      assert.equal(box.body.data.items.length, 4);
      const near = await api.call('POST', '/v1/search', { key, body: { filters: { location: { latitude: US_ORIGIN.latitude, longitude: US_ORIGIN.longitude, radius_km: 0.05 } } } });
      assert.equal(near.body.data.items.length, 1);
      const sale = await api.call('POST', '/v1/search', { key, body: { filters: { market: 'test-us', last_sale_price: { min: 400_000 }, last_sale_date: { min: '2021-01-01', max: '2021-12-31' } } } });
      assert.ok(sale.body.data.items.length > 0 && sale.body.data.items.every((p: any) => p.last_sale.price >= 400_000));
      const typed = await api.call('POST', '/v1/search', { key, body: { filters: { property_type: 'condo', market: 'test-us' } } });
      assert.equal(typed.body.data.items.length, 4);
      const bad = await api.call('POST', '/v1/search', { key, body: { filters: { beds: { min: 4, max: 2 } } } });
      assert.equal(bad.status, 422);
      assert.ok(bad.body.errors['filters.beds']);
      const badDate = await api.call('POST', '/v1/search', { key, body: { filters: { last_sale_date: { min: '2021-13-45' } } } });
      assert.equal(badDate.status, 422);

      const many = await api.call('POST', '/v1/search', { key, body: { filters: { location: 'Test UK' }, maxItems: 200 } });
      assert.equal(many.status, 202);
      assert.equal(many.body.data.kind, 'search');
      const forced = await api.call('POST', '/v1/search', { key, body: { filters: { market: 'test-us' }, async: true } });
      assert.equal(forced.status, 202);
      const zoom = await api.call('POST', '/v1/search', { key, body: { filters: { market: 'test-us' }, extractionMethod: 'PAGINATION_WITH_ZOOM_IN' } });
      assert.equal(zoom.status, 202);
      const done = await pollUntil(key, `/v1/jobs/${many.body.data.job_id}`, (b) => b.data.status === 'succeeded');
      // Every property of the market (the 24 fixtures, two odd ones and the generated ones), up to maxItems.
      const ukProperties = api.seeded.uk.length + 2 + api.seeded.background.uk;
      assert.equal(done.data.total, Math.min(200, ukProperties));
      const results = await api.call('GET', `/v1/jobs/${many.body.data.job_id}/results?limit=1000`, { key });
      assert.equal(results.body.data.items.length, Math.min(200, ukProperties));
      assert.ok(results.body.data.items.every((i: any) => i.data.market === 'test-uk'));
    });

    it('POST /v1/search/with-details runs search then detail in one job', async () => {
      await stopWorkers();
      const { key } = await api.newAccount();
      const submitted = await api.call('POST', '/v1/search/with-details', { key, body: { filters: { location: 'Test US', beds: { min: 3 } }, maxItems: 200 } });
      assert.equal(submitted.status, 202);
      assert.equal(submitted.body.data.chain_stage, 'search');
      const queued = await api.call('GET', `/v1/jobs/${submitted.body.data.job_id}`, { key });
      assert.equal(queued.body.data.chain_stage, 'search');
      startWorkers();
      const done = await pollUntil(key, `/v1/jobs/${submitted.body.data.job_id}`, (b) => b.data.status === 'succeeded');
      assert.equal(done.data.chain_stage, 'detail');
      const results = await api.call('GET', `/v1/jobs/${submitted.body.data.job_id}/results`, { key });
      assert.ok(results.body.data.items.length > 0);
      for (const item of results.body.data.items) {
        assert.ok(Array.isArray(item.data.sales) && item.data.sales.length === 1);
        assert.ok(item.data.attributes.bedrooms >= 3);
      }
    });

    it('POST /v1/properties/batch: details in input order, unknown ones as item errors', async () => {
      startWorkers();
      const { key } = await api.newAccount();
      const ids = [api.seeded.uk[0]!, 999_999, api.seeded.us[1]!];
      const submitted = await api.call('POST', '/v1/properties/batch', { key, body: { properties: [...ids.map((property_id) => ({ property_id })), { uprn: '100012345003' }] } });
      assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
      const done = await pollUntil(key, submitted.body.data.status_url, (b) => b.data.status === 'succeeded');
      assert.equal(done.data.completed, 3);
      assert.equal(done.data.failed, 1);
      const results = (await api.call('GET', `/v1/jobs/${submitted.body.data.job_id}/results`, { key })).body.data.items;
      assert.equal(results[0].data.property_id, ids[0]);
      assert.equal(results[1].error, 'Property not found');
      assert.equal(results[2].data.market, 'test-us');
      assert.equal(results[3].data.uprn, '100012345003');
      assert.equal((await api.call('POST', '/v1/properties/batch', { key, body: { properties: [{}] } })).status, 422);
      assert.equal((await api.call('POST', '/v1/properties/batch', { key, body: { properties: Array.from({ length: 501 }, () => ({ property_id: 1 })) } })).status, 422);
    });

    it('POST/GET/DELETE /v1/webhooks: secret shown once, own endpoints only, private URLs refused', async () => {
      const { key } = await api.newAccount();
      const other = await api.newAccount();
      const created = await api.call('POST', '/v1/webhooks', { key, body: { url: 'http://127.0.0.1:9/hook', description: 'prod' } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.match(created.body.data.secret, /^whsec_/);
      const listed = await api.call('GET', '/v1/webhooks', { key });
      assert.equal(listed.body.data.length, 1);
      assert.equal(listed.body.data[0].secret, undefined);
      assert.equal(listed.body.data[0].description, 'prod');
      assert.equal((await api.call('GET', '/v1/webhooks', { key: other.key })).body.data.length, 0);
      assert.equal((await api.call('DELETE', `/v1/webhooks/${created.body.data.id}`, { key: other.key })).status, 404);
      assert.equal((await api.call('DELETE', `/v1/webhooks/${created.body.data.id}`, { key })).status, 200);
      assert.equal((await api.call('DELETE', `/v1/webhooks/${created.body.data.id}`, { key })).status, 404);
      const refused = await api.call('POST', '/v1/webhooks', { key, body: { url: 'http://10.0.0.5/hook' } });
      assert.equal(refused.status, 422);
      assert.ok(refused.body.errors.url);
      assert.equal((await api.call('POST', '/v1/webhooks', { key, body: { url: 'file:///etc/passwd' } })).status, 422);
    });

    it('POST /v1/valuations/batch: input order, {input, error} for not found, 402 pre-check', async () => {
      const { key, accountId } = await api.newAccount({ credits: 3 });
      const body = { properties: [{ property_id: api.seeded.uk[0] }, { postcode: 'ZZ1 1ZZ' }, { uprn: 100012345005 }] };
      const r = await api.call('POST', '/v1/valuations/batch', { key, body });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.total, 3);
      assert.equal(r.body.results[0].status, 'success');
      assert.equal(r.body.results[0].property_id, api.seeded.uk[0]);
      assert.deepEqual(r.body.results[1], { input: { postcode: 'ZZ1 1ZZ' }, error: 'Property not found' });
      assert.equal(r.body.results[2].uprn, '100012345005');
      assert.deepEqual(r.body.not_processed, []);
      assert.equal(await getBalance(api.store.db, accountId), 1);
      const poor = await api.call('POST', '/v1/valuations/batch', { key, body });
      assert.equal(poor.status, 402);
      assert.deepEqual(poor.body, { error: 'Insufficient valuations' });
      assert.equal((await api.call('POST', '/v1/valuations/batch', { key, body: { properties: [] } })).status, 422);
      assert.equal((await api.call('POST', '/v1/valuations/batch', { key, body: { properties: Array.from({ length: 101 }, () => ({ property_id: 1 })) } })).status, 422);
    });

    it('a sync batch stops where the balance runs out and names the items not processed', async () => {
      const { accountId } = await api.newAccount({ credits: 2 });
      const context = createValuationContext(api.store, api.engine);
      const items = [api.seeded.uk[0]!, api.seeded.uk[1]!, api.seeded.uk[2]!, api.seeded.uk[3]!].map((property_id) => ({ property_id }));
      // The route's pre-check would refuse this batch; another request spending in between has the same effect.
      const result = await runValuationBatch(context, { accountId, organisationId: null }, items);
      assert.deepEqual(result.results.map((r) => r.status), ['success', 'success', 'not_processed', 'not_processed']);
      assert.deepEqual(result.not_processed, [2, 3]);
      assert.equal(result.results[2]!.error, NOT_PROCESSED_ERROR);
      assert.equal(result.processed, 2);
      assert.equal(await getBalance(api.store.db, accountId), 0);
    });
  });
}
