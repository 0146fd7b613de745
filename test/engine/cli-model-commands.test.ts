// `valora train`, `valora value` and `valora backtest` as a user runs them: child processes on a fresh
// data directory, JSON out, clear errors for bad input.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { repoRoot } from '../../src/paths.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
let dataDir = '';

async function valora(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args, '--data-dir', dataDir], { maxBuffer: 1 << 26 });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

describe('valora train, value and backtest', () => {
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'valora-cli-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('trains to a date, writes the model file, backtests later sales as JSON and values one property', async () => {
    const out = join(dataDir, 'ames.json');
    const trained = await valora('train', '--market', 'ames-ia', '--until', '2008-12-31', '--out', out, '--json');
    assert.equal(trained.code, 0, trained.stderr);
    const summary = JSON.parse(trained.stdout);
    assert.equal(summary.trained_until, '2008-12-31');
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).modelVersion, summary.model_version);

    const backtest = await valora('backtest', '--market', 'ames-ia', '--sales', join(repoRoot, 'markets/ames-ia/holdout-2009-normal.csv'), '--json');
    assert.equal(backtest.code, 0, backtest.stderr);
    const report = JSON.parse(backtest.stdout);
    for (const key of ['count', 'valued', 'hit_rate', 'mdape', 'pe10', 'pe15', 'pe20', 'median_ratio', 'cod', 'prd', 'prb', 'fsd_within_1', 'range90_coverage', 'by_property_type', 'by_price_band', 'by_region']) {
      assert.ok(key in report, `backtest JSON has ${key}`);
    }
    assert.equal(report.count, 561);
    assert.ok(report.mdape > 0 && report.mdape < 0.5, 'ratios are fractions');
    assert.ok(report.model_versions.includes(summary.model_version), 'sales in 2009 are valued by the model trained to 2008');
    assert.ok(report.by_region['North_Ames'], 'Ames regions are its neighbourhoods');

    const valued = await valora('value', '--market', 'ames-ia', '--date', '2009-06-01', JSON.stringify({ latitude: 42.053, longitude: -93.6189, floor_area: 1400, bedrooms: 3, bathrooms: 2, year_built: 1960, property_type: 'houses' }));
    assert.equal(valued.code, 0, valued.stderr);
    const v = JSON.parse(valued.stdout);
    assert.equal(v.market, 'ames-ia');
    assert.ok(['success', 'no_value'].includes(v.status));
    assert.equal(v.model_version, summary.model_version);
  });

  it('averages seeded value models with --members', async () => {
    const out = join(dataDir, 'ames-2007.json');
    const trained = await valora('train', '--market', 'ames-ia', '--until', '2007-12-31', '--members', '2', '--out', out, '--json');
    assert.equal(trained.code, 0, trained.stderr);
    const model = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(model.settings.ensembleMembers, 2);
    assert.equal(JSON.parse(model.valueModel).trees.length, model.settings.rounds, 'one forest holds both members\u2019 trees');
  });

  it('names the field or option a user got wrong', async () => {
    const badArea = await valora('value', '--market', 'ames-ia', JSON.stringify({ latitude: 42.05, longitude: -93.6, floor_area: -5, bedrooms: 3 }));
    assert.equal(badArea.code, 2);
    assert.match(badArea.stderr, /floor_area/);
    const noMarket = await valora('train');
    assert.equal(noMarket.code, 2);
    assert.match(noMarket.stderr, /--market is required/);
    const badDate = await valora('train', '--market', 'ames-ia', '--until', '2008-13-45');
    assert.equal(badDate.code, 2);
    assert.match(badDate.stderr, /--until/);
    const noMembers = await valora('train', '--market', 'ames-ia', '--members', '0');
    assert.equal(noMembers.code, 2);
    assert.match(noMembers.stderr, /--members must be a whole number, 1 or more/);
    const missingFile = await valora('backtest', '--market', 'ames-ia', '--sales', join(dataDir, 'nope.csv'));
    assert.equal(missingFile.code, 2);
    assert.match(missingFile.stderr, /cannot read/);
  });
});
