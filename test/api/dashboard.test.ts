// The dashboard in a real browser (Debian's chromium through playwright-core) against a real server,
// database and engine: signing in, valuing (and choosing among several matches), keys and the ledger.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestApi, type TestApi } from './support/harness.js';

const CHROMIUM = '/usr/bin/chromium';

describe('the dashboard in a real browser', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed` }, () => {
  let api: TestApi;
  let browser: Browser;
  before(async () => {
    api = await startTestApi('sqlite', { markets: ['test-uk'] });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  after(async () => {
    await browser?.close();
    await api.close();
  });

  /** The dashboard in a new tab, and the script errors it logs (each test ends asserting there were none). */
  const open = async (): Promise<{ page: Page; errors: string[] }> => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // Chromium logs every non-2xx answer as "Failed to load resource"; the API's refusals are expected here.
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
    });
    const response = await page.goto(`${api.baseUrl}/dashboard`, { waitUntil: 'load' });
    assert.equal(response?.status(), 200);
    assert.match(response!.headers()['content-security-policy'] ?? '', /default-src 'none'/);
    return { page, errors };
  };
  const signIn = async (page: Page, key: string) => {
    await page.fill('#api-key', key);
    await page.click('#sign-in-form button');
  };
  const textOf = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? '').trim();

  it('refuses a wrong key, then signs in and shows the account and its jobs', async () => {
    const { key } = await api.newAccount({ email: 'dash@example.com', credits: 5, rateLimit: 600 });
    const job = await api.call('POST', '/v1/search', { key, body: { async: true, filters: {} } });
    assert.equal(job.status, 202);
    const { page, errors } = await open();
    await signIn(page, 'vk_not-a-real-key');
    await page.locator('#sign-in-error', { hasText: /\S/ }).waitFor();
    assert.match(await textOf(page, '#sign-in-error'), /invalid/i);
    assert.equal(await page.isHidden('#signed-in'), true);
    await signIn(page, key);
    await page.waitForSelector('#signed-in', { state: 'visible' });
    assert.equal(await textOf(page, '#balance'), '5 valuations');
    assert.equal(await textOf(page, '#who'), 'dash@example.com');
    assert.equal(await textOf(page, '#rate-limit'), '600 a minute');
    await page.locator('#job-list tbody tr').first().waitFor();
    assert.equal(await textOf(page, '#job-list tbody tr td:nth-child(2)'), 'search');
    assert.equal(await textOf(page, '#job-list tbody tr td:nth-child(5)'), job.body.data.job_id);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('values a property, choosing among several matches, and shows the charge', async () => {
    const { key } = await api.newAccount({ credits: 5, rateLimit: 600 });
    const { page, errors } = await open();
    await signIn(page, key);
    await page.waitForSelector('#signed-in', { state: 'visible' });
    await page.fill('#value-form input[name=postcode]', 'M20 2TG');
    await page.fill('#value-form input[name=address]', 'wilmslow road');
    await page.click('#value-form button');
    await page.waitForSelector('#candidates li');
    assert.match(await textOf(page, '#value-error'), /Several properties match/);
    assert.equal(await page.locator('#candidates li').count(), 12);
    await page.locator('#candidates li button').first().click();
    await page.waitForSelector('#valuation', { state: 'visible' });
    assert.match(await textOf(page, '#predicted-value'), /^£[\d,]+$/);
    assert.match(await textOf(page, '#confidence'), /^Tier \d · FSD [\d.]+% · band [A-C]/);
    assert.ok((await page.locator('#contributions .bar').count()) > 0, 'the contributions are drawn');
    assert.ok((await page.locator('#comparables tbody tr').count()) > 0, 'comparables listed');
    await page.locator('#balance', { hasText: /^4 valuations$/ }).waitFor();
    const reference = await textOf(page, '#ledger-list tbody tr:first-child td:nth-child(3)');
    assert.match(reference, /^valuation:\d+$/);
    assert.match(await textOf(page, '#valuation-meta'), new RegExp(`^valuation ${reference.split(':')[1]} `));
    assert.equal(await textOf(page, '#ledger-list tbody tr:first-child td:nth-child(2)'), '-1');
    // a property that cannot be found answers in words, uncharged
    await page.fill('#value-form input[name=postcode]', 'ZZ1 1ZZ');
    await page.fill('#value-form input[name=address]', '');
    await page.click('#value-form button');
    await page.locator('#value-error', { hasText: /^Property not found$/ }).waitFor();
    assert.equal(await textOf(page, '#balance'), '4 valuations');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('creates a key shown once, revokes it, and signs out', async () => {
    const { key } = await api.newAccount({ rateLimit: 600 });
    const { page, errors } = await open();
    await signIn(page, key);
    await page.waitForSelector('#key-list tbody tr');
    assert.equal(await page.locator('#key-list tbody tr').count(), 1);
    await page.fill('#new-key-form input[name=name]', 'ci');
    await page.click('#new-key-form button');
    await page.waitForSelector('#new-key-value');
    const created = await textOf(page, '#new-key-value');
    assert.match(created, /^vk_[0-9A-Za-z]{43}$/);
    await page.locator('#key-list tbody tr').nth(1).waitFor();
    assert.equal((await api.call('GET', '/v1/account', { key: created })).status, 200, 'the new key works');
    page.on('dialog', (dialog) => void dialog.accept());
    const row = page.locator('#key-list tbody tr', { hasText: 'ci' });
    await row.locator('button').click();
    await page.locator('#key-list tbody tr .status', { hasText: /^revoked/ }).waitFor();
    assert.equal((await api.call('GET', '/v1/account', { key: created })).status, 401, 'revoked from the next request');
    await page.click('#sign-out');
    await page.waitForSelector('#sign-in', { state: 'visible' });
    assert.equal(await page.evaluate("sessionStorage.getItem('valora.apiKey')"), null);
    // revoking the key the page is signed in with signs it out
    await signIn(page, key);
    await page.locator('#key-list tbody tr .status', { hasText: /signed in with it/ }).waitFor();
    await page.locator('#key-list tbody tr', { hasText: 'signed in with it' }).locator('button').click();
    await page.waitForSelector('#sign-in', { state: 'visible' });
    assert.equal((await api.call('GET', '/v1/account', { key })).status, 401);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
