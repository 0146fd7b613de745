// The engine's accuracy and calibration on every out-of-time year the bundled data allows, over several
// seeds: a check that the method is not tuned to the one split each bar names. For each (market, year):
// train on the sales before the year, then back-test the year's sales (Lucas County: priced at $10k or
// more; Ames: Normal sales), through the same services as `valora train` and `valora backtest`.
//   npm run bench splits -- [--seeds=1,2,3] [--only=lucas-county-oh:1997,ames-ia:2009]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { marketsDir } from '../src/paths.js';
import { openStore } from '../src/store/database.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { ensureBundledMarkets } from '../src/services/markets/ensure-bundled-markets.js';
import { readBundledMarket } from '../src/services/markets/bundled-markets.js';
import { MarketRuntime } from '../src/services/market-runtime.js';
import { runBacktest } from '../src/services/backtest/run-backtest.js';
import { trainMarket } from '../src/services/training/train-market.js';

interface Split {
  market: 'lucas-county-oh' | 'ames-ia';
  year: number;
  /** The bar's split (the others check the method on other years). */
  named: boolean;
}

const SPLITS: Split[] = [
  { market: 'lucas-county-oh', year: 1995, named: false },
  { market: 'lucas-county-oh', year: 1996, named: false },
  { market: 'lucas-county-oh', year: 1997, named: true },
  { market: 'ames-ia', year: 2008, named: false },
  { market: 'ames-ia', year: 2009, named: true },
];

/** The year's sales that the bars score: Lucas County ≥ $10k, Ames Normal sales (as the holdout files). */
function holdoutLines(market: Split['market'], year: number): string {
  const [header, ...rows] = readFileSync(resolve(marketsDir, market, 'sales.csv'), 'utf8').trimEnd().split('\n');
  const columns = header!.split(',');
  const dateAt = columns.findIndex((c) => c === 'sale_date' || c === 'sale_month');
  const priceAt = columns.indexOf('price');
  const conditionAt = columns.indexOf('sale_condition');
  const kept = rows.filter((line) => {
    const fields = line.split(',');
    if (!fields[dateAt]!.startsWith(String(year))) return false;
    return market === 'ames-ia' ? fields[conditionAt] === 'Normal' : Number(fields[priceAt]) >= 10_000;
  });
  return [header, ...kept].join('\n') + '\n';
}

export async function run(args: string[]): Promise<void> {
  const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const seeds = (option('seeds') ?? '1,2,3').split(',').map(Number);
  const only = option('only')?.split(',');
  const splits = SPLITS.filter((s) => !only || only.includes(`${s.market}:${s.year}`));
  console.log(`load average at start: ${loadavg().map((v) => v.toFixed(2)).join(' ')}; seeds ${seeds.join(', ')}`);
  console.log('| market | year | seed | valued | MdAPE | PE10 | median ratio | within ±1 FSD | 90% range | hit rate | tier MdAPE |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  const dir = mkdtempSync(join(tmpdir(), 'valora-bench-splits-'));
  try {
    for (const split of splits) {
      const file = join(dir, `${split.market}-${split.year}.csv`);
      writeFileSync(file, holdoutLines(split.market, split.year));
      const mdapes: number[] = [];
      for (const seed of seeds) {
        // A fresh store per run: the vintage rule would otherwise pick between models of several seeds.
        const store = await openStore({ url: join(dir, `${split.market}-${split.year}-${seed}.sqlite`) });
        try {
          await migrateToLatest(store);
          await ensureBundledMarkets(store, { only: [split.market] });
          await trainMarket(store, { marketId: split.market, until: `${split.year - 1}-12-31`, seed, inProcess: true });
          const runtime = await MarketRuntime.load(store, [split.market]);
          const r = await runBacktest(runtime, { marketId: split.market, file, mapping: readBundledMarket(split.market).mapping });
          const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)}%`);
          const tiers = Object.entries(r.by_tier).map(([k, f]) => `${k}: ${pct(f.mdape)}`).join(', ');
          mdapes.push(r.mdape ?? NaN);
          console.log(`| ${split.market} | ${split.year}${split.named ? ' (bar)' : ''} | ${seed} | ${r.valued}/${r.count} | ${pct(r.mdape)} | ${pct(r.pe10)} | ${r.median_ratio?.toFixed(3)} | ${pct(r.fsd_within_1)} | ${pct(r.range90_coverage)} | ${pct(r.hit_rate)} | ${tiers} |`);
        } finally {
          await store.close();
        }
      }
      const mean = mdapes.reduce((a, b) => a + b, 0) / mdapes.length;
      console.log(`| ${split.market} | ${split.year} | mean of ${mdapes.length} | | ${(mean * 100).toFixed(2)}% | | | | | | |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
