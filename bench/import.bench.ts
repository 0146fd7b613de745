// Importing sales: rows/s for Lucas County into a fresh SQLite file, and a generated sales CSV of 2 million
// rows (the same columns) to show memory stays flat however long the file is (resident memory sampled as
// the import goes, and the process's peak). Each import runs in its own child process so its peak RSS is its
// own. The peer, in the same run: the sqlite3 shell's `.import` of the same files (plain rows into one
// table: no validation, no upserts, no indexes), when sqlite3 is installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { openStore } from '../src/store/database.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { importSalesCsv } from '../src/data/sales-csv/import-sales-csv.js';
import { readBundledMarket } from '../src/services/markets/bundled-markets.js';
import { loadSalesFrame } from '../src/services/markets/load-sales-frame.js';
import pg from 'pg';

const CHILD_ENV = 'VALORA_IMPORT_BENCH_CHILD';
const SQLITE3 = ['/usr/bin/sqlite3', '/usr/local/bin/sqlite3'].find((p) => existsSync(p));

interface ChildResult {
  rows: number;
  imported: number;
  rejected: number;
  ms: number;
  maxRssMb: number;
  /** Resident memory (MB) at each tenth of the file. */
  rssByTenth: number[];
  /** loadSalesFrame of the whole market, each run. */
  frameMs: number[];
}

if (process.env[CHILD_ENV]) {
  const { file, database, frames } = JSON.parse(process.env[CHILD_ENV]) as { file: string; database: string; frames?: number };
  const lucas = readBundledMarket('lucas-county-oh');
  const store = await openStore({ url: database });
  await migrateToLatest(store);
  const rssByTenth: number[] = [];
  const started = performance.now();
  const report = await importSalesCsv(store, {
    marketId: 'bench',
    file,
    mapping: lucas.mapping,
    createWith: { ...lucas.config, id: 'bench' },
    onProgress: (p) => {
      const tenth = p.totalBytes ? Math.floor((10 * p.bytesRead) / p.totalBytes) : 0;
      while (rssByTenth.length < tenth) rssByTenth.push(Math.round(process.memoryUsage().rss / 2 ** 20));
    },
  });
  const ms = performance.now() - started;
  // Then the engine's read of what was imported, as the service does it on start.
  const frameMs: number[] = [];
  for (let i = 0; i < (frames ?? 0); i++) {
    const t = performance.now();
    await loadSalesFrame(store, 'bench');
    frameMs.push(performance.now() - t);
  }
  await store.close();
  const result: ChildResult = {
    rows: report.rows,
    imported: report.imported,
    rejected: report.rejected,
    ms,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    rssByTenth,
    frameMs,
  };
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}

function importInChild(file: string, database: string, frames = 0): ChildResult {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url)], {
    env: { ...process.env, [CHILD_ENV]: JSON.stringify({ file, database, frames }) },
    maxBuffer: 16 * 2 ** 20,
  });
  return JSON.parse(out.toString()) as ChildResult;
}

function sqlite3Import(file: string, database: string): number {
  const started = performance.now();
  const run = spawnSync(SQLITE3!, [database, '.import --csv ' + file + ' sales'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`sqlite3 .import failed: ${run.stderr}`);
  return performance.now() - started;
}

/** A Lucas-shaped CSV of `rows` rows: the real rows repeated with fresh ids and nudged coordinates. */
async function generateSales(path: string, rows: number): Promise<void> {
  const source = readBundledMarket('lucas-county-oh').salesFile;
  const text = readFileSync(source, 'utf8');
  const header = text.slice(0, text.indexOf('\n'));
  const records = parse(text, { from_line: 2 }) as string[][];
  const out = createWriteStream(path);
  out.write(header + '\n');
  let buffer = '';
  for (let i = 0; i < rows; i++) {
    const base = records[i % records.length]!;
    const lap = Math.floor(i / records.length);
    const row = base.slice();
    row[0] = `gen-${i}`;
    // Each lap moves every property a few metres, so each generated row is its own property.
    row[3] = (Number(base[3]) + lap * 0.000013).toFixed(6);
    row[4] = (Number(base[4]) - lap * 0.000017).toFixed(6);
    buffer += row.join(',') + '\n';
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

export async function run(args: string[]): Promise<void> {
  const rowsArg = args.find((a) => a.startsWith('--import-rows='));
  const bigRows = rowsArg ? Number(rowsArg.split('=')[1]) : 2_000_000;
  const repeats = 3;
  const dir = mkdtempSync(join(tmpdir(), 'valora-bench-import-'));
  try {
    const lucasFile = readBundledMarket('lucas-county-oh').salesFile;
    const lucas: ChildResult[] = [];
    const peerLucas: number[] = [];
    for (let r = 0; r < repeats; r++) {
      lucas.push(importInChild(lucasFile, join(dir, `lucas-${r}.sqlite`), 5));
      if (SQLITE3) peerLucas.push(sqlite3Import(lucasFile, join(dir, `peer-lucas-${r}.sqlite`)));
    }
    const lucasMs = median(lucas.map((l) => l.ms));
    console.log(`Lucas County (${fmt(lucas[0]!.rows)} rows) into a fresh SQLite file, median of ${repeats}:`);
    console.log(`  valora import        ${(lucasMs / 1000).toFixed(2)} s  ${fmt(lucas[0]!.rows / (lucasMs / 1000))} rows/s  peak RSS ${median(lucas.map((l) => l.maxRssMb))} MB`);
    if (SQLITE3) {
      const peer = median(peerLucas);
      console.log(`  sqlite3 .import      ${(peer / 1000).toFixed(2)} s  ${fmt(lucas[0]!.rows / (peer / 1000))} rows/s  (peer: raw rows into one table)`);
    } else console.log('  sqlite3 .import      not measured (sqlite3 is not installed)');
    console.log(`  loadSalesFrame (all ${fmt(lucas[0]!.rows)} sales as typed arrays): median ${median(lucas.flatMap((l) => l.frameMs)).toFixed(0)} ms`);

    const pgUrl = process.env.TEST_DATABASE_URL ?? process.env.BENCH_DATABASE_URL;
    if (pgUrl) {
      const schema = `bench_import_${process.pid}`;
      const admin = new pg.Client({ connectionString: pgUrl });
      await admin.connect();
      try {
        const onPg: ChildResult[] = [];
        for (let r = 0; r < repeats; r++) {
          await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
          const url = `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
          onPg.push(importInChild(lucasFile, url, 5));
        }
        const ms = median(onPg.map((l) => l.ms));
        console.log(`  valora import, PostgreSQL (fresh schema): ${(ms / 1000).toFixed(2)} s  ${fmt(onPg[0]!.rows / (ms / 1000))} rows/s; loadSalesFrame median ${median(onPg.flatMap((l) => l.frameMs)).toFixed(0)} ms`);
      } finally {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.end();
      }
    } else console.log('  PostgreSQL: not measured (set TEST_DATABASE_URL or BENCH_DATABASE_URL)');

    const big = join(dir, 'generated.csv');
    const genStarted = performance.now();
    await generateSales(big, bigRows);
    console.log(`\nGenerated ${fmt(bigRows)}-row sales CSV (${(statSync(big).size / 2 ** 20).toFixed(0)} MB) in ${((performance.now() - genStarted) / 1000).toFixed(1)} s; one run each:`);
    const result = importInChild(big, join(dir, 'big.sqlite'));
    console.log(
      `  valora import        ${(result.ms / 1000).toFixed(1)} s  ${fmt(result.rows / (result.ms / 1000))} rows/s  peak RSS ${result.maxRssMb} MB  (${fmt(result.imported)} imported, ${fmt(result.rejected)} rejected)`,
    );
    console.log(`  RSS (MB) at each tenth of the file: ${result.rssByTenth.join(' ')}`);
    if (SQLITE3) {
      const peer = sqlite3Import(big, join(dir, 'peer-big.sqlite'));
      console.log(`  sqlite3 .import      ${(peer / 1000).toFixed(1)} s  ${fmt(bigRows / (peer / 1000))} rows/s`);
    } else console.log('  sqlite3 .import      not measured (sqlite3 is not installed)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
