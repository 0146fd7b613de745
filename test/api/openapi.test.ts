import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import { chromium } from 'playwright-core';
import { startTestApi, type TestApi } from './support/harness.js';

const CHROMIUM = '/usr/bin/chromium';

describe('OpenAPI document and /docs', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi('sqlite', { markets: [] }); // the document, not valuations: no model needed
  });
  after(async () => api.close());

  it('passes swagger-parser validation and lists every route with its responses', async () => {
    const r = await api.call('GET', '/v1/openapi.json');
    assert.equal(r.status, 200);
    assert.match(r.body.openapi, /^3\.0\./);
    await SwaggerParser.validate(structuredClone(r.body));

    const documented = new Set<string>();
    for (const [path, item] of Object.entries(r.body.paths as Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>)) {
      for (const [method, operation] of Object.entries(item)) {
        documented.add(`${method.toUpperCase()} ${path}`);
        assert.ok(Object.keys(operation.responses).length > 0, `${method} ${path} has responses`);
        const isPublic = Array.isArray(operation.security) && operation.security.length === 0;
        if (!isPublic) for (const status of ['401', '403', '429']) assert.ok(operation.responses[status], `${method} ${path} documents ${status}`);
      }
    }
    const expected = [
      'GET /healthz',
      'GET /readyz',
      'GET /v1/openapi.json',
      'GET /v1/account',
      'GET /v1/keys',
      'POST /v1/keys',
      'DELETE /v1/keys/{id}',
      'POST /v1/valuations',
      'GET /v1/valuations/{id}',
      'POST /v1/avm/property',
    ];
    for (const route of expected) assert.ok(documented.has(route), `${route} is documented`);
    const post = r.body.paths['/v1/valuations'].post;
    for (const status of ['200', '400', '402', '404', '413', '422', '503']) assert.ok(post.responses[status], `POST /v1/valuations documents ${status}`);
    assert.ok(r.body.components.securitySchemes.bearerAuth);
    assert.ok(r.body.components.securitySchemes.apiKeyHeader);
  });

  it('every documented route is a real route', async () => {
    const document = (await api.call('GET', '/v1/openapi.json')).body;
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(document.paths as Record<string, object>)) for (const method of Object.keys(item)) documented.add(`${method.toUpperCase()} ${path}`);
    const registered: string[] = [];
    for (const entry of documented) {
      const [method, path] = entry.split(' ') as [string, string];
      registered.push(entry);
      assert.ok(api.app.hasRoute({ method: method as 'GET', url: path.replace(/\{(\w+)\}/g, ':$1') }), `${entry} is a real route`);
    }
    assert.ok(registered.length >= 10);
  });

  it('renders /docs in a real browser', async (t) => {
    if (!existsSync(CHROMIUM)) {
      t.skip(`${CHROMIUM} is not installed`);
      return;
    }
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    try {
      const page = await browser.newPage();
      const response = await page.goto(`${api.baseUrl}/docs`, { waitUntil: 'load' });
      assert.equal(response?.status(), 200);
      await page.waitForSelector('.opblock-summary-path', { timeout: 30_000 });
      const paths = await page.$$eval('.opblock-summary-path', (nodes) => nodes.map((n) => n.getAttribute('data-path') ?? n.textContent ?? ''));
      assert.ok(paths.some((p) => p.includes('/v1/valuations')), JSON.stringify(paths));
      assert.ok(paths.some((p) => p.includes('/v1/avm/property')));
      const title = await page.textContent('.info .title');
      assert.match(title ?? '', /Valora API/);
    } finally {
      await browser.close();
    }
  });
});
