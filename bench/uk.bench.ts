// UK Price Paid import throughput into SQLite, with peak memory, next to the sqlite3 shell's `.import` of
// the same file into a bare table (the peer: no parsing rules, no register, no indexes), and the register
// lookups (UPRN, postcode + partial address) timed in-process on the loaded database.
//
//   npm run bench uk -- --rows 5000000     (default 5,000,000; 30,000,000 is the national file's size)
//   --data-dir=<dir>   keeps the generated file there (pp-large-<rows>.csv) and reuses it in later runs
//                      (the generator is seeded; delete the file after changing it)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore } from '../src/store/database.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { CODEPOINT_M_FILE, DEMO_MARKET_ID, writeLargePricePaid } from '../src/data/uk/generate-demo.js';
import { importPostcodes } from '../src/data/uk/import-postcodes.js';
import { importPricePaid } from '../src/data/uk/import-price-paid.js';
import { ensureDemoUkMarket } from '../src/data/uk/ensure-demo-market.js';
import { findPropertiesByPostcode, findPropertiesByUprn } from '../src/store/repositories/uk.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-GB');

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, strict: false, options: { rows: { type: 'string' }, keep: { type: 'boolean' }, 'data-dir': { type: 'string' } } });
  const rows = values.rows === undefined ? 5_000_000 : Number(values.rows);
  if (!Number.isInteger(rows) || rows <= 0) throw new Error(`--rows must be a positive whole number, not ${values.rows}`);
  const dir = mkdtempSync(join(tmpdir(), 'valora-uk-bench-'));
  try {
    const dataDir = typeof values['data-dir'] === 'string' ? values['data-dir'] : null;
    const file = dataDir ? join(dataDir, `pp-large-${rows}.csv`) : join(dir, 'pp-large.csv');
    let t = performance.now();
    const reuse = dataDir !== null && existsSync(file);
    if (!reuse) {
      if (dataDir) mkdirSync(dataDir, { recursive: true });
      // Written under another name first, so an interrupted run leaves no partial file to reuse.
      await writeLargePricePaid(`${file}.part`, rows);
      renameSync(`${file}.part`, file);
    }
    const bytes = statSync(file).size;
    const made = reuse ? `reused from ${file}` : `generated in ${((performance.now() - t) / 1000).toFixed(1)} s`;
    console.log(`${fmt(rows)} Price Paid rows (${(bytes / 2 ** 20).toFixed(0)} MiB), ${made}`);

    const dbPath = join(dir, 'valora.sqlite');
    const store = await openStore({ url: dbPath });
    await migrateToLatest(store);
    await importPostcodes(store, CODEPOINT_M_FILE);

    // Valora: the Price Paid importer (validation, address keys, register, sales upserts, progress rows). A
    // fresh market this size takes the bulk path (one transaction, indexes built at the end).
    const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
    console.log(`load average before the import: ${load()}`);
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 50);
    const cpu0 = process.cpuUsage();
    t = performance.now();
    const report = await importPricePaid(store, file, { marketId: 'uk-bench', resume: false, link: false });
    const seconds = (performance.now() - t) / 1000;
    const cpu = process.cpuUsage(cpu0);
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    if (report.added !== rows) throw new Error(`imported ${report.added} of ${rows} rows (${report.rejected} rejected)`);
    console.log(
      `valora uk import-ppd: ${fmt(rows)} rows in ${seconds.toFixed(1)} s = ${fmt(rows / seconds)} rows/s wall ` +
        `(${cpuSeconds.toFixed(1)} s CPU = ${fmt(rows / cpuSeconds)} rows/CPU-s), peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB; ` +
        `${fmt(report.propertiesCreated)} properties registered; ${report.mode} path${report.exclusive ? " (the file to itself: rollback journal)" : ""}; load average after: ${load()}`,
    );
    const tm = report.timing;
    // Reading runs in a worker thread beside the writes, so the process CPU during the writes counts both.
    console.log(
      `  of which the main thread wrote batches for ${tm.writeSeconds.toFixed(1)} s (the reading worker running beside it), ` +
        `finished in ${tm.finishSeconds.toFixed(1)} s (${tm.finishCpuSeconds.toFixed(1)} s CPU, the reader done: ` +
        `${Object.entries(tm.finishSteps).map(([name, s]) => `${name} ${s.toFixed(1)} s`).join(', ')}); ` +
        `the rest is setup and waiting for the reader`,
    );

    // Peer: the sqlite3 shell importing the same file into a bare 16-column table, in a fresh database.
    const peerDb = join(dir, 'peer.sqlite');
    const create =
      'create table pp (id text, price text, date text, postcode text, type text, new_build text, duration text, paon text, saon text, street text, locality text, town text, district text, county text, category text, status text)';
    t = performance.now();
    const peer = spawnSync('/usr/bin/time', ['-f', '%U %S %M', 'sqlite3', peerDb, '-cmd', create, '.import --csv ' + file + ' pp', 'select count(*) from pp'], { encoding: 'utf8' });
    const peerSeconds = (performance.now() - t) / 1000;
    if (peer.status !== 0 || peer.error) {
      console.log(`peer sqlite3 .import: not run (${peer.error?.message ?? peer.stderr.trim()}); install it with apt-get install -y sqlite3`);
    } else {
      const [user, sys, maxKb] = peer.stderr.trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number];
      console.log(
        `peer sqlite3 .import (bare table, no indexes): ${peer.stdout.trim()} rows in ${peerSeconds.toFixed(1)} s = ${fmt(rows / peerSeconds)} rows/s wall ` +
          `(${(user + sys).toFixed(1)} s CPU = ${fmt(rows / (user + sys))} rows/CPU-s), peak RSS ${(maxKb / 1024).toFixed(0)} MiB`,
      );
    }
    rmSync(peerDb, { force: true });

    // Lookups with the register loaded: the demo market next to the large one in the same database.
    await ensureDemoUkMarket(store, { dataDir: dir });
    const subjects = await store.db.selectFrom('properties').select(['uprn', 'postcode_key', 'address']).where('market_id', '=', DEMO_MARKET_ID).where('uprn', 'is not', null).orderBy('id').execute();
    const byUprn: number[] = [];
    const byPostcode: number[] = [];
    for (let i = 0; i < 5_000; i++) {
      const s = subjects[(i * 7919) % subjects.length]!;
      let t0 = performance.now();
      const a = await findPropertiesByUprn(store.db, s.uprn!, DEMO_MARKET_ID);
      byUprn.push(performance.now() - t0);
      const street = s.address!.split(', ').find((part) => /\d/.test(part)) ?? s.address!;
      t0 = performance.now();
      const b = await findPropertiesByPostcode(store.db, s.postcode_key!, street.replace(/^\S+\s/, ''), DEMO_MARKET_ID);
      byPostcode.push(performance.now() - t0);
      if (a.length !== 1 || b.length < 1) throw new Error(`lookup of ${s.uprn} / ${s.postcode_key} found ${a.length} / ${b.length}`);
    }
    const totalProperties = await store.db.selectFrom('properties').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    console.log(
      `lookups over ${fmt(Number(totalProperties.n))} registered properties, 5,000 each: UPRN median ${(median(byUprn) * 1000).toFixed(0)} µs, p99 ${(percentile(byUprn, 0.99) * 1000).toFixed(0)} µs; ` +
        `postcode + partial address median ${(median(byPostcode) * 1000).toFixed(0)} µs, p99 ${(percentile(byPostcode, 0.99) * 1000).toFixed(0)} µs`,
    );
    await store.close();
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
}
