// `valora import` and `valora markets list` run as a user runs them: a child process on the compiled CLI.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStoreTarget, storeTargetNames, type StoreTarget } from './support/stores.js';

const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

function valora(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: { ...process.env, DATABASE_URL: '', VALORA_DATA_DIR: '', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const mapping = {
  saleId: 'ref',
  date: { column: 'sold_on', format: 'MM/DD/YYYY' },
  price: 'amount',
  latitude: 'lat',
  longitude: 'lng',
  propertyType: { column: 'kind' },
  features: { floor_area: { column: 'area' }, bedrooms: { column: 'beds' }, district: { column: 'district', kind: 'categorical' } },
};

const rows = [
  'ref,sold_on,amount,lat,lng,kind,area,beds,district',
  'r1,03/15/2019,250000,40.1,-75.1,House,1500,3,north', // 2
  'r2,03/16/2019,260000,40.2,-75.2,Condo,900,2,south', // 3
  'r3,02/30/2019,270000,40.3,-75.3,House,1600,3,north', // 4 no such day
  'r4,03/18/2019,,40.4,-75.4,House,1700,4,east', // 5 no price
  'r5,03/19/2019,280000,40.5,-75.5,House,1800,many,west', // 6 beds not a number
  'r6,03/20/2019,290000,40.6,-75.6,House,1900,3,north', // 7
];

for (const name of storeTargetNames()) {
  describe(`valora import (${name})`, () => {
    let target: StoreTarget;
    let dir: string;
    let dbArgs: string[];
    before(async () => {
      target = await createStoreTarget(name);
      dir = mkdtempSync(join(tmpdir(), 'valora-cli-'));
      dbArgs =
        name === 'sqlite'
          ? ['--data-dir', join(dir, 'data')]
          : ['--database-url', `${target.url}${target.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${target.schema}`)}`];
      // Create the schema (the CLI migrates it).
      await (await target.open()).close();
      writeFileSync(join(dir, 'sales.csv'), rows.join('\n') + '\n');
      writeFileSync(join(dir, 'mapping.json'), JSON.stringify(mapping));
    });
    after(async () => {
      await target.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    it('creates a market, imports the good rows and lists each rejected row by line', async () => {
      const args = ['import', '--market', 'my-town', '--file', join(dir, 'sales.csv'), '--mapping', join(dir, 'mapping.json'), '--create', '--name', 'My Town', '--max-rejected-share', '0.6', ...dbArgs];
      const run = await valora(args);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /market my-town \(created\): 6 rows read, 3 imported, 3 rejected/);
      assert.match(run.stdout, /line 4: sale date sold_on '02\/30\/2019' is not a MM\/DD\/YYYY date/);
      assert.match(run.stdout, /line 5: price \(amount\) is missing/);
      assert.match(run.stdout, /line 6: bedrooms: beds 'many' is not a number/);

      const json = await valora([...args, '--json']);
      assert.equal(json.code, 0, json.stderr);
      const report = JSON.parse(json.stdout);
      assert.equal(report.created, false);
      assert.deepEqual(report.rejections.map((r: { line: number }) => r.line), [4, 5, 6]);
      assert.equal(report.after.sales, 3);
      assert.deepEqual(report.config.propertyTypes, ['Condo', 'House']);
      assert.deepEqual(report.config.features.find((f: { name: string }) => f.name === 'district').levels, ['north', 'south']);

      const list = await valora(['markets', 'list', '--json', '--skip-bundled', ...dbArgs]);
      assert.equal(list.code, 0, list.stderr);
      assert.deepEqual(
        JSON.parse(list.stdout).map((m: { id: string; name: string; sales: number }) => [m.id, m.name, m.sales]),
        [['my-town', 'My Town', 3]],
      );
    });

    it('fails with nothing written when too many rows are rejected, or the mapping is wrong', async () => {
      const strict = await valora(['import', '--market', 'strict-town', '--file', join(dir, 'sales.csv'), '--mapping', join(dir, 'mapping.json'), '--create', ...dbArgs]);
      assert.equal(strict.code, 1);
      assert.match(strict.stderr, /3 of 6 rows were rejected \(50\.0%\), more than the 5\.0% allowed; nothing was imported/);
      assert.match(strict.stderr, /line 4: /);

      writeFileSync(join(dir, 'bad-mapping.json'), JSON.stringify({ ...mapping, price: 'cost' }));
      const bad = await valora(['import', '--market', 'strict-town', '--file', join(dir, 'sales.csv'), '--mapping', join(dir, 'bad-mapping.json'), '--create', ...dbArgs]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /mapping\.price: column 'cost' is not in the file/);

      const missing = await valora(['import', '--market', 'strict-town', '--file', join(dir, 'nope.csv'), '--mapping', join(dir, 'mapping.json'), '--create', ...dbArgs]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /cannot read .*nope\.csv/);

      const noMarket = await valora(['import', '--file', join(dir, 'sales.csv'), '--mapping', join(dir, 'mapping.json'), ...dbArgs]);
      assert.equal(noMarket.code, 2);
      assert.match(noMarket.stderr, /--market is required/);

      const list = await valora(['markets', 'list', '--json', '--skip-bundled', ...dbArgs]);
      assert.deepEqual(JSON.parse(list.stdout).map((m: { id: string }) => m.id), ['my-town']);
    });

    it('two processes starting on an empty database import each bundled market once', async () => {
      const fresh = await createStoreTarget(name);
      try {
        // Migrated first: this test is about the markets (two processes migrating one SQLite file at once is
        // the migrator's concern).
        await (await fresh.open()).close();
        const args =
          name === 'sqlite'
            ? ['--database-url', fresh.url]
            : ['--database-url', `${fresh.url}${fresh.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${fresh.schema}`)}`];
        const [a, b] = await Promise.all([valora(['markets', 'list', '--json', ...args]), valora(['markets', 'list', '--json', ...args])]);
        assert.equal(a.code, 0, a.stderr);
        assert.equal(b.code, 0, b.stderr);
        for (const run of [a, b]) {
          assert.deepEqual(
            JSON.parse(run.stdout).map((m: { id: string; sales: number }) => [m.id, m.sales]),
            [['ames-ia', 2589], ['lucas-county-oh', 20979], ['sacramento-ca', 932]],
          );
        }
        // Each market was imported by exactly one of the two.
        const imported = (a.stderr + b.stderr).match(/: imported \d+ sales/g) ?? [];
        assert.equal(imported.length, 3, a.stderr + b.stderr);
      } finally {
        await fresh.destroy();
      }
    });
  });
}
