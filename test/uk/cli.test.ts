import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { storeTargetNames, createStoreTarget } from '../support/stores.js';
import { onspd, ppdLine, tempDir, writeFile } from './fixtures.js';

// The compiled CLI next to this compiled test (whichever build folder it is in).
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function valora(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
}

for (const target of storeTargetNames()) {
  describe(`valora uk on ${target}`, () => {
    it('imports postcodes and Price Paid, lists rejected lines, and writes them to --rejects', async () => {
      const t = await createStoreTarget(target);
      try {
        const dir = tempDir();
        const url = t.url;
        const env: Record<string, string> = target === 'postgres' ? { PGOPTIONS: `-c search_path=${t.schema}` } : {};
        // A PostgreSQL schema per test: the CLI reaches it through the connection's search_path.
        if (target === 'postgres') await (await t.open()).close();
        const pc = valora(['uk', 'import-postcodes', writeFile(dir, 'onspd.csv', onspd([['M20 2TG', 53.414, -2.234]])), '--database-url', url], env);
        assert.equal(pc.status, 0, pc.stderr);
        assert.match(pc.stdout, /onspd, 1 records: 1 postcodes loaded, 0 rejected/);
        const file = writeFile(dir, 'pp.csv', [ppdLine({ id: 'D1', paon: '1' }), ppdLine({ id: 'D2', price: 'x' }), ppdLine({ id: 'D3', paon: '3', category: 'B' })].join('\n') + '\n');
        const r = valora(['uk', 'import-ppd', file, '--market', 'uk-cli', '--database-url', url], env);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /3 records in .* 2 added, 0 changed, 0 deleted, 0 deletions of unknown sales, 0 superseded, 1 rejected; 1 category B; 2 new properties/);
        assert.match(r.stderr, /pp\.csv:2: price \(field 2\) is not a positive whole number: "x"/);
        const rejects = join(dir, 'rejects.csv');
        const again = valora(['uk', 'import-ppd', file, '--market', 'uk-cli', '--rejects', rejects, '--batched', '--database-url', url], env);
        assert.equal(again.status, 0, again.stderr);
        assert.match(again.stdout, /3 records in [\d.]+ s \(batched\)/);
        assert.match(again.stderr, /1 line\(s\) rejected: see .*rejects\.csv/);
      } finally {
        await t.destroy();
      }
    });
  });
}

describe('valora uk usage errors', () => {
  it('names the option to fix and exits 2', () => {
    const noMarket = valora(['uk', 'import-ppd', CLI]);
    assert.equal(noMarket.status, 2);
    assert.match(noMarket.stderr, /import-ppd needs --market ID/);
    const missing = valora(['uk', 'import-epc', '/nonexistent/certificates.csv', '--market', 'x']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no such file: \/nonexistent\/certificates\.csv/);
    const badMarket = valora(['uk', 'import-ppd', CLI, '--market', 'Bad Name']);
    assert.equal(badMarket.status, 2);
    assert.match(badMarket.stderr, /--market must be lower-case/);
    const unknown = valora(['uk', 'frobnicate']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown uk subcommand 'frobnicate'/);
    const seed = valora(['uk', 'generate-demo', tempDir(), '--seed', 'abc']);
    assert.equal(seed.status, 2);
    assert.match(seed.stderr, /--seed must be a whole number/);
  });
});
