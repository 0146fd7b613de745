// The reference documents' own client code, run against Valora with only the base URL and key changed:
// PadStats' Python polling loop (real python3 + requests) and ZillAPI's JavaScript awaitJob. Plus the
// notify_url webhook end to end: the same body as polling, signed with the secret the submission returned.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { storeTargetNames } from '../support/stores.js';
import { startTestApi, type TestApi } from '../api/support/harness.js';
import { US_ORIGIN } from '../api/support/seed.js';
import { startJobRuntime, type JobRuntime } from '../../src/services/jobs/start-job-runtime.js';
import { startWebhookReceiver } from './support/webhook-receiver.js';

process.env.VALORA_WEBHOOK_ALLOW = 'loopback';
const run = promisify(execFile);

const PYTHON = '/usr/bin/python3';

// Verbatim from the PadStats document ("Polling pattern (Python)"), API_KEY and BASE substituted.
const padstatsPolling = (base: string, key: string) => `import time
import requests
API_KEY = "${key}"
BASE = "${base}"
def poll_batch(job_id, interval=10, timeout=600):
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = requests.get(
            f"{BASE}/v1/avm/batch/{job_id}",
            headers={"X-API-Key": API_KEY},
        )
        job = r.json()
        print(f"Status: {job['status']} — {job.get('progress_pct', 0):.1f}%")
        if job["status"] in ("complete", "failed"):
            return job
        time.sleep(interval)
    raise TimeoutError("Batch job did not complete within timeout")
`;

/** /usr/bin/python3 when it has requests, else the python3 on PATH when that has it, else null. */
async function pythonWithRequests(): Promise<string | null> {
  for (const candidate of [PYTHON, 'python3']) {
    try {
      await run(candidate, ['-c', 'import requests']);
      return candidate;
    } catch {
      // not installed, or no requests module
    }
  }
  return null;
}

/** poll_batch ported to JavaScript statement by statement, for machines without python3 + requests. */
async function pollBatchPort(BASE: string, API_KEY: string, job_id: string, interval = 10, timeout = 600, print: (line: string) => void = console.log) {
  const deadline = Date.now() / 1000 + timeout;
  while (Date.now() / 1000 < deadline) {
    const r = await fetch(`${BASE}/v1/avm/batch/${job_id}`, { headers: { 'X-API-Key': API_KEY } });
    const job = (await r.json()) as { status: string; progress_pct?: number; results: Array<{ property_id: string; status: string }> };
    print(`Status: ${job.status} — ${(job.progress_pct ?? 0).toFixed(1)}%`);
    if (['complete', 'failed'].includes(job.status)) return job;
    await delay(interval * 1000);
  }
  throw new Error('Batch job did not complete within timeout');
}

function usItem(i: number) {
  return {
    property_id: `ref-${i}`,
    location: { latitude: US_ORIGIN.latitude + (i % 4) * 0.001, longitude: US_ORIGIN.longitude },
    search_params: { radius_mi: 5.0, num_comparables: 0 },
    property_fields: { total_bedrooms: 3, total_bathrooms: 2, living_area: 1800, year_built: 1995, property_type: 'houses' },
  };
}

for (const target of storeTargetNames()) {
  describe(`reference client code on ${target}`, () => {
    let api: TestApi;
    let runtime: JobRuntime;
    before(async () => {
      api = await startTestApi(target, { markets: ['test-us'] });
      runtime = startJobRuntime({ store: api.store, engine: api.engine, workers: 1, webhookBackoffMs: 20 });
    });
    after(async () => {
      await runtime.stop();
      await api.close();
    });

    it('PadStats: the Python poll_batch loop returns the completed job', async () => {
      const { key } = await api.newAccount({ credits: 10 });
      const submitted = await api.call('POST', '/v1/avm/batch/property', { key, body: { properties: [usItem(0), usItem(1)] } });
      assert.equal(submitted.status, 202);
      const python = await pythonWithRequests();
      let job: { status: string; results: Array<{ property_id: string; status: string }> };
      if (python) {
        const dir = mkdtempSync(join(tmpdir(), 'valora-py-'));
        try {
          const script = join(dir, 'poll.py');
          writeFileSync(script, `${padstatsPolling(api.baseUrl, key)}\nimport json, sys\njob = poll_batch(sys.argv[1], interval=1)\nprint("RESULT " + json.dumps(job))\n`);
          const { stdout } = await run(python, [script, submitted.body.job_id], { timeout: 60_000 });
          assert.match(stdout, /Status: complete — 100\.0%/);
          job = JSON.parse(stdout.split('RESULT ')[1]!);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      } else {
        // No python3 with requests here: the same loop ported line for line.
        const lines: string[] = [];
        job = await pollBatchPort(api.baseUrl, key, submitted.body.job_id, 1, 600, (line) => lines.push(line));
        assert.ok(lines.includes('Status: complete — 100.0%'));
      }
      assert.equal(job.status, 'complete');
      assert.deepEqual(job.results.map((r) => [r.property_id, r.status]), [['ref-0', 'complete'], ['ref-1', 'complete']]);
    });

    it('ZillAPI: the JavaScript awaitJob loop returns the finished job', async () => {
      const { key: apiKey } = await api.newAccount();
      const submitted = await api.call('POST', '/v1/properties/batch', { key: apiKey, body: { properties: [{ property_id: api.seeded.us[0] }] } });
      assert.equal(submitted.status, 202);
      const jobId = submitted.body.data.job_id;

      // Verbatim from the ZillAPI document ("Polling"), with `api` and `key` bound to this server.
      const api_ = api.baseUrl;
      const result = await (async (api: string, key: string) => {
        async function awaitJob(jobId: string) {
          for (;;) {
            const r = await fetch(`${api}/v1/jobs/${jobId}`, {
              headers: { authorization: `Bearer ${key}` }
            });
            const { data } = (await r.json()) as { data: { status: string; job_id: string; completed: number } };
            if (["succeeded","failed","timed_out","aborted"].includes(data.status)) return data;
            await new Promise(r => setTimeout(r, 3000));
          }
        }
        return awaitJob(jobId);
      })(api_, apiKey);
      assert.equal(result.status, 'succeeded');
      assert.equal(result.job_id, jobId);
      assert.equal(result.completed, 1);
    });

    it('notify_url receives the polling body, signed with the secret from the submission', async () => {
      const receiver = await startWebhookReceiver();
      try {
        const { key } = await api.newAccount({ credits: 10 });
        const submitted = await api.call('POST', '/v1/avm/batch/property', { key, body: { notify_url: `${receiver.url}/webhooks/avm`, properties: [usItem(0), usItem(1)] } });
        assert.equal(submitted.status, 202);
        assert.equal(submitted.body.notify_url, `${receiver.url}/webhooks/avm`);
        assert.match(submitted.body.webhook_secret, /^whsec_/);
        const deadline = Date.now() + 15_000;
        let polled;
        for (;;) {
          polled = (await api.call('GET', submitted.body.status_url, { key })).body;
          if (polled.webhook_delivered === true) break;
          if (Date.now() > deadline) throw new Error(`not delivered: ${JSON.stringify(polled).slice(0, 200)}`);
          await delay(20);
        }
        assert.equal(receiver.received.length, 1);
        const hit = receiver.received[0]!;
        const payload = new Webhook(submitted.body.webhook_secret).verify(hit.body, hit.headers as Record<string, string>) as Record<string, unknown>;
        // Identical to polling, except that polling now also knows the delivery succeeded.
        assert.deepEqual({ ...payload, webhook_delivered: true }, polled);
        const replay = await api.call('POST', '/v1/avm/batch/property', { key, body: { properties: [usItem(0)] }, headers: { 'idempotency-key': 'x' } });
        const again = await api.call('POST', '/v1/avm/batch/property', { key, body: { properties: [usItem(0)] }, headers: { 'idempotency-key': 'x' } });
        assert.equal(again.body.job_id, replay.body.job_id);
        assert.equal(again.body.webhook_secret, undefined, 'a secret is shown once');
      } finally {
        await receiver.close();
      }
    });
  });
}
