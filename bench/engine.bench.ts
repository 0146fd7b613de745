// The valuation engine on the bundled markets, in-process:
//   - training the full pipeline (index, calibration, confidence, value model) on all Lucas County sales;
//   - the same data and seed giving byte-identical model files;
//   - one valuation with 5 comparables and explanations (median latency) and a batch without either
//     (valuations per second);
//   - the accuracy and calibration bars: Lucas County trained to 1996-12-31 valuing 1997 sales >= $10k,
//     Ames trained to 2008-12 valuing the 2009 Normal sales (the holdout files in markets/).
// The peers quoted next to the accuracy figures are those measured on the same splits (shared/data README):
// XGBoost 12.6% / HistGB 6.3% MdAPE; `npm run bench gbdt` times XGBoost itself next to our trees.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseDay } from '../src/engine/calendar.js';
import { SalesSpatialIndex } from '../src/engine/sales-spatial-index.js';
import { MarketModel, serializeMarketModel } from '../src/engine/market-model.js';
import { trainMarketModel } from '../src/engine/train-market-model.js';
import type { Subject } from '../src/engine/types.js';
import { valueSubject, type MarketState } from '../src/engine/value-subject.js';
import { marketsDir } from '../src/paths.js';
import { openStore } from '../src/store/database.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { ensureBundledMarkets } from '../src/services/markets/ensure-bundled-markets.js';
import { loadMarketConfig, loadSalesFrame } from '../src/services/markets/load-sales-frame.js';
import { readBundledMarket } from '../src/services/markets/bundled-markets.js';
import { MarketRuntime } from '../src/services/market-runtime.js';
import { runBacktest } from '../src/services/backtest/run-backtest.js';
import { trainMarket } from '../src/services/training/train-market.js';

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'valora-bench-engine-'));
  const store = await openStore({ url: join(dir, 'valora.sqlite') });
  try {
    await migrateToLatest(store);
    await ensureBundledMarkets(store, { only: ['lucas-county-oh', 'ames-ia'] });
    const config = await loadMarketConfig(store, 'lucas-county-oh');
    const frame = await loadSalesFrame(store, 'lucas-county-oh', { config });
    let last = 0;
    for (let i = 0; i < frame.count; i++) last = Math.max(last, frame.day[i]!);
    console.log(`load average at start: ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);

    // Training speed (median of 3) and determinism.
    const times: number[] = [];
    const files: string[] = [];
    for (let k = 0; k < 3; k++) {
      const t = performance.now();
      files.push(serializeMarketModel(trainMarketModel(frame, config, { until: last })));
      times.push((performance.now() - t) / 1000);
    }
    console.log(`train the full pipeline on all ${frame.count} Lucas County sales: median ${median(times).toFixed(2)} s (runs ${times.map((t) => t.toFixed(2)).join(', ')}; bar ≤ 10 s)`);
    console.log(`same data and seed, byte-identical model files: ${files.every((f) => f === files[0]) ? 'yes' : 'NO'} (${(files[0]!.length / 1e6).toFixed(1)} MB)`);

    // Valuation latency and throughput, in-process.
    const model = new MarketModel(JSON.parse(files[0]!), last);
    model.attachNowcast(frame, config);
    const state: MarketState = { config, frame, spatial: new SalesSpatialIndex(frame), models: [model] };
    const subjects: Subject[] = [];
    for (let i = 0; i < frame.count && subjects.length < 2000; i += 7) {
      const attributes: Subject['attributes'] = {};
      for (const f of config.features) {
        const v = frame.attributes[f.name]?.[i];
        if (v !== undefined && !Number.isNaN(v)) attributes[f.name] = f.kind === 'categorical' ? f.levels![v]! : v;
      }
      subjects.push({ latitude: frame.latitude[i]!, longitude: frame.longitude[i]!, attributes });
    }
    const asOf = last + 1;
    for (const s of subjects.slice(0, 200)) valueSubject(state, s, { asOf, numComparables: 5 }); // warm-up
    const single: number[] = [];
    for (const s of subjects) {
      const t = performance.now();
      valueSubject(state, s, { asOf, numComparables: 5, explain: true });
      single.push((performance.now() - t) * 1000);
    }
    console.log(`one valuation with 5 comparables and explanations: median ${median(single).toFixed(0)} µs, p99 ${[...single].sort((a, b) => a - b)[Math.floor(single.length * 0.99)]!.toFixed(0)} µs (bar ≤ 2 ms median)`);
    const t = performance.now();
    let n = 0;
    while (performance.now() - t < 3000) for (const s of subjects) { valueSubject(state, s, { asOf, numComparables: 0, explain: false }); n++; }
    console.log(`batch without comparables or explanations: ${Math.round(n / ((performance.now() - t) / 1000))} valuations/s (bar ≥ 20,000)`);

    // Accuracy and calibration on the out-of-time splits, through the same service the CLI uses.
    for (const [market, until, file, peer] of [
      ['lucas-county-oh', '1996-12-31', 'lucas-county-oh/holdout-1997.csv', 'XGBoost 12.6% / PE10 40.9%, auditor 15.5%; bars MdAPE ≤ 11.0%, PE10 ≥ 45%, ratio 0.97–1.03'],
      ['ames-ia', '2008-12-31', 'ames-ia/holdout-2009-normal.csv', 'XGBoost 6.5%, HistGB 6.3%; bar MdAPE ≤ 6.0%'],
    ] as const) {
      const trained = await trainMarket(store, { marketId: market, until });
      const runtime = await MarketRuntime.load(store, [market]);
      const r = await runBacktest(runtime, { marketId: market, file: resolve(marketsDir, file), mapping: readBundledMarket(market).mapping });
      const pct = (v: number | null) => (v === null ? "—" : `${(v * 100).toFixed(2)}%`);
      const tiers = Object.entries(r.by_tier).map(([k, f]) => `${k} ${pct(f.mdape)} (${f.valued})`).join(', ');
      console.log(`${market} trained to ${until} (${trained.seconds.toFixed(1)} s), valuing ${file}: MdAPE ${pct(r.mdape)}, PE10 ${pct(r.pe10)}, median ratio ${r.median_ratio?.toFixed(3)}, hit rate ${pct(r.hit_rate)}, within ±1 FSD ${pct(r.fsd_within_1)}, 90% range coverage ${pct(r.range90_coverage)}; MdAPE by tier: ${tiers}. Peers: ${peer}`);
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
