// `valora backtest --market <id> --sales <file.csv> [--mapping mapping.json] [--json]`
import { existsSync, readFileSync } from 'node:fs';
import { parseColumnMapping, type ColumnMapping } from '../../data/sales-csv/column-mapping.js';
import type { AccuracyFigures } from '../../engine/backtest-metrics.js';
import { BUNDLED_MARKET_IDS, readBundledMarket, type BundledMarketId } from '../../services/markets/bundled-markets.js';
import { prepareEngine } from '../../services/prepare-engine.js';
import { listMarketIds } from '../../store/repositories/markets.js';
import { runBacktest, type BacktestReport } from '../../services/backtest/run-backtest.js';
import { CliError } from '../cli-error.js';
import { STORE_OPTIONS, STORE_USAGE, cliArgs, withCliStore } from '../cli-options.js';

const USAGE = `usage: valora backtest --market <id> --sales FILE.csv [--mapping MAPPING.json] [--json]

Values every sale in FILE as of its sale date with the market's models and data (no sale on or after that
date is used) and scores the values against the file's prices: MdAPE, PE10/15/20, median ratio, COD, PRD,
PRB, the share within ±1 FSD and inside the 90% range, by property type, price band, region and tier.
The file has the market's own sales columns (for a bundled market, those of markets/<id>/sales.csv).

options:
  --market ID             the market
  --sales FILE            the sales to value (their prices are read only to score)
  --mapping FILE          column mapping of the file (default: the bundled market's)
  --json                  print one JSON object (fractions, not percentages)
${STORE_USAGE}`;

export async function run(argv: string[]): Promise<number> {
  const { values } = cliArgs({ args: argv, options: { market: { type: 'string' }, sales: { type: 'string' }, mapping: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...STORE_OPTIONS } });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.market) throw new CliError(`--market is required\n\n${USAGE}`);
  if (!values.sales) throw new CliError(`--sales is required\n\n${USAGE}`);
  if (!existsSync(values.sales)) throw new CliError(`cannot read ${values.sales}: no such file`);
  const mapping = readMapping(values.market, values.mapping);
  return withCliStore(values, async (store) => {
    if (!(await listMarketIds(store.db)).includes(values.market!)) throw new CliError(`unknown market '${values.market}'`);
    const engine = await prepareEngine(store, { log: (m) => console.error(m), markets: [values.market!] });
    const progress = process.stderr.isTTY && !values.json ? progressBar(countDataLines(values.sales!)) : undefined;
    let report: BacktestReport;
    try {
      report = await runBacktest(engine, { marketId: values.market!, file: values.sales!, mapping, onProgress: progress });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`cannot read ${values.sales}`);
      throw error;
    }
    if (progress) process.stderr.write('\n');
    console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
    return 0;
  }, { bundledMarkets: true });
}

/** Rows in a CSV file (lines after the header), for the progress bar's total. */
function countDataLines(file: string): number {
  const text = readFileSync(file, 'utf8');
  let lines = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines++;
  if (text.length && !text.endsWith('\n')) lines++;
  return Math.max(0, lines - 1);
}

function progressBar(total: number): (done: number) => void {
  return (done) => {
    const width = 30;
    const filled = total ? Math.min(width, Math.round((done / total) * width)) : 0;
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} sales valued`);
  };
}

function readMapping(market: string, file: string | undefined): ColumnMapping {
  if (file) {
    try {
      return parseColumnMapping(JSON.parse(readFileSync(file, 'utf8')));
    } catch (error) {
      throw new CliError(`--mapping ${file}: ${(error as Error).message}`);
    }
  }
  if (!(BUNDLED_MARKET_IDS as readonly string[]).includes(market)) throw new CliError(`--mapping is required for market '${market}' (only bundled markets have a default)`);
  return readBundledMarket(market as BundledMarketId).mapping;
}

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
const num = (v: number | null, digits = 3) => (v === null ? '—' : v.toFixed(digits));

function row(label: string, f: AccuracyFigures): string {
  return [label.padEnd(22), String(f.count).padStart(6), String(f.valued).padStart(6), pct(f.hit_rate).padStart(7), pct(f.mdape).padStart(7), pct(f.pe10).padStart(6), pct(f.pe20).padStart(6), num(f.median_ratio).padStart(6), pct(f.fsd_within_1).padStart(7), pct(f.range90_coverage).padStart(7)].join(' ');
}

export function formatReport(r: BacktestReport): string {
  const header = ['group'.padEnd(22), 'sales'.padStart(6), 'valued'.padStart(6), 'hit'.padStart(7), 'MdAPE'.padStart(7), 'PE10'.padStart(6), 'PE20'.padStart(6), 'ratio'.padStart(6), '±1FSD'.padStart(7), '90%rng'.padStart(7)].join(' ');
  const lines = [`Backtest of ${r.market} (models ${r.model_versions.join(', ') || 'none'})`, '', header, row('all', r)];
  lines.push(`  PE15 ${pct(r.pe15)}  COD ${num(r.cod)}  PRD ${num(r.prd)}  PRB ${num(r.prb)}`);
  for (const [title, groups] of [['by tier', r.by_tier], ['by property type', r.by_property_type], ['by price band', r.by_price_band], ['by region', r.by_region]] as const) {
    lines.push('', title);
    for (const [k, f] of Object.entries(groups)) lines.push(row(`  ${k}`, f));
  }
  if (Object.keys(r.no_value_reasons).length) lines.push('', `not valued: ${Object.entries(r.no_value_reasons).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (r.rejected.length) lines.push(`unreadable lines: ${r.rejected.length} (first: line ${r.rejected[0]!.line}: ${r.rejected[0]!.reason})`);
  return lines.join('\n');
}
