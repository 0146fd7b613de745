// `npm run bench [name …]`: runs the named benchmark suites (all when none is named), one after another,
// each printing what it measured, the peer measured in the same run, and the machine. Results are
// recorded by hand in docs/benchmarks.md with the command that produced them.
import { cpus, totalmem } from 'node:os';

type Suite = { summary: string; load: () => Promise<{ run(args: string[]): Promise<void> }> };

const suites: Record<string, Suite> = {
  uk: { summary: 'UK Price Paid import into SQLite (rows/s, peak memory) next to sqlite3 .import; register lookups', load: () => import('./uk.bench.js') },
  import: { summary: 'sales-CSV import: Lucas County rows/s and a 2-million-row file at flat memory, next to sqlite3 .import', load: () => import('./import.bench.js') },
  engine: { summary: 'valuation engine: training time and determinism, valuation latency and throughput, accuracy and calibration on the out-of-time splits', load: () => import('./engine.bench.js') },
  splits: { summary: 'engine accuracy and calibration on every out-of-time year of the bundled data, over several seeds', load: () => import('./splits.bench.js') },
  gbdt: { summary: 'GBDT training, predict and TreeSHAP on Lucas County sales, next to XGBoost', load: () => import('./gbdt.bench.js') },
  jobs: { summary: 'a 500-property PadStats batch, submit to complete, against valora serve (with 0 and 5 comparables), next to PadStats\' published times', load: () => import('./jobs.bench.js') },
  api: { summary: 'POST /v1/valuations over HTTP (autocannon, 50 connections) against valora serve, next to its /healthz', load: () => import('./api.bench.js') },
};

async function main(): Promise<void> {
  const names = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const args = process.argv.slice(2).filter((a) => a.startsWith('--'));
  const selected = names.length ? names : Object.keys(suites);
  for (const name of selected) if (!suites[name]) throw new Error(`unknown benchmark '${name}'; known: ${Object.keys(suites).join(', ')}`);
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  console.log(`# machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  for (const name of selected) {
    console.log(`\n## ${name}: ${suites[name]!.summary}`);
    const suite = await suites[name]!.load();
    await suite.run(args);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
