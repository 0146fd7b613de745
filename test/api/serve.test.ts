// `valora serve` as a process: the operator contract (one listening line, a first account printed once,
// restart keeps everything) and graceful shutdown finishing a request that is in flight.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe, waitForStderr, type ServeProcess } from './support/cli.js';

describe('valora serve (SQLite data directory)', () => {
  let dir: string;
  let serve: ServeProcess | null = null;
  let firstKey = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'valora-serve-'));
  });
  after(async () => {
    if (serve && serve.child.exitCode === null) {
      serve.child.kill('SIGKILL');
      await serve.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints one listening line, the /docs URL and a first account and key, once', async () => {
    serve = await startServe(['--data-dir', dir, '--log-level', 'info']);
    const lines = serve.stdout().split('\n');
    assert.equal(lines.filter((l) => l.includes('Valora listening on')).length, 1, serve.stdout());
    assert.match(serve.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const keyLine = lines.find((l) => l.startsWith('First API key'));
    assert.ok(keyLine, serve.stdout());
    firstKey = /(vk_[0-9A-Za-z]{43})/.exec(keyLine)![1]!;
    const account = await fetch(`${serve.url}/v1/account`, { headers: { authorization: `Bearer ${firstKey}` } });
    assert.equal(account.status, 200);
    assert.equal(((await account.json()) as { valuation_balance: number }).valuation_balance, 100);
    assert.equal((await fetch(`${serve.url}/readyz`)).status, 200);
    const docs = await fetch(`${serve.url}/docs`, { redirect: 'follow' });
    assert.equal(docs.status, 200);
    assert.ok(!serve.stderr().includes(firstKey.slice(3)), 'the key is never logged');
  });

  it('finishes an in-flight request on SIGTERM, then exits 0', async () => {
    const running = serve!;
    const port = Number(new URL(running.url).port);
    const body = JSON.stringify({ name: 'created during shutdown' });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/keys', headers: { authorization: `Bearer ${firstKey}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 5));
      // The rest is sent only after the server has seen the request and received SIGTERM.
      void (async () => {
        await waitForStderr(running, (log) => log.includes('"url":"/v1/keys"') && log.includes('incoming request'));
        running.child.kill('SIGTERM');
        await waitForStderr(running, (log) => log.includes('received SIGTERM'));
        req.end(body.slice(5));
      })();
    });
    const answered = await response;
    assert.equal(answered.status, 201, answered.body);
    assert.equal(await running.exited, 0);
  });

  it('keeps everything across a restart and prints no new first account', async () => {
    serve = await startServe(['--data-dir', dir, '--log-level', 'warn']);
    assert.ok(!serve.stdout().includes('First account'), serve.stdout());
    const keys = await fetch(`${serve.url}/v1/keys`, { headers: { 'x-api-key': firstKey } });
    assert.equal(keys.status, 200);
    const names = ((await keys.json()) as { keys: Array<{ name: string }> }).keys.map((k) => k.name);
    assert.deepEqual(names, ['first key', 'created during shutdown']);
    serve.child.kill('SIGINT');
    assert.equal(await serve.exited, 0);
  });

  it('serves from several processes with --workers, still printing one listening line, and stops on SIGTERM', async () => {
    serve = await startServe(['--data-dir', dir, '--log-level', 'warn', '--workers', '2']);
    assert.equal(serve.stdout().split('\n').filter((l) => l.includes('Valora listening on')).length, 1, serve.stdout());
    const statuses = await Promise.all(
      Array.from({ length: 20 }, async () => (await fetch(`${serve!.url}/v1/account`, { headers: { authorization: `Bearer ${firstKey}` } })).status),
    );
    assert.deepEqual(new Set(statuses), new Set([200]));
    serve.child.kill('SIGTERM');
    assert.equal(await serve.exited, 0);
  });
});
