// `valora worker` as a command: its usage, and a bad option refused in one line with exit code 2.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

describe('valora worker', () => {
  it('prints its usage with --help', async () => {
    const { stdout } = await run(process.execPath, [cli, 'worker', '--help']);
    assert.match(stdout, /usage: valora worker \[--database-url URL\] \[--data-dir DIR\] \[--concurrency N\]/);
    assert.match(stdout, /VALORA_WEBHOOK_ALLOW/);
  });

  it('refuses a bad option in one line, exit code 2', async () => {
    await assert.rejects(run(process.execPath, [cli, 'worker', '--concurrency', '0']), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 2);
      assert.equal(error.stderr.trim(), "valora: --concurrency must be a whole number, 1 or more (got '0')");
      return true;
    });
  });

  it('is listed by valora --help', async () => {
    const { stdout } = await run(process.execPath, [cli, '--help']);
    assert.match(stdout, /worker\s+work the batch job queue and send webhooks/);
  });
});
