// `valora uk <import-ppd|import-epc|import-postcodes|import-uprn|link|generate-demo|ensure-demo> …`:
// the UK open-data importers and the demo market generator.
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { cliArgs, STORE_OPTIONS } from '../cli-options.js';
import { resolveDataDir, resolveStoreUrl } from '../../config.js';
import { openStore, type Store } from '../../store/database.js';
import { migrateToLatest } from '../../store/migrate.js';
import { CliError } from '../cli-error.js';
import type { Rejection } from '../../data/uk/import-price-paid.js';
import { terminalProgress } from '../../data/uk/progress.js';

const USAGE = `usage: valora uk <subcommand> [options]

subcommands:
  import-postcodes FILE…   Code-Point Open CSVs (eastings/northings) or the ONS Postcode Directory (pcds, lat, long)
  import-uprn FILE…        OS Open UPRN CSVs (UPRN,X_COORDINATE,Y_COORDINATE,LATITUDE,LONGITUDE)
  import-epc FILE…         EPC domestic certificates.csv (UPPER_SNAKE or kebab-case headers) into --market
  import-ppd FILE…         HM Land Registry Price Paid CSVs (pp-complete, yearly, monthly) into --market
  link                     re-link --market's EPC certificates to its properties and sales
  generate-demo DIR        write the synthetic demo market's files (Price Paid, EPC, OS Open UPRN) into DIR
  ensure-demo              generate and import the demo market 'uk-demo-manchester' unless it is loaded

options:
  --market ID              market to import into (created as a UK market when missing)
  --name NAME              market name when it is created
  --include-category-b     count Price Paid category B records as market sales (default: kept, non-market)
  --restart                import-ppd: ignore the recorded offset of an interrupted run and read from line 1
  --batched                import-ppd: commit batch by batch even into an empty market (SQLite otherwise loads a
                           large first file in one transaction, holding other writers off until it commits)
  --rejects FILE           write every rejected line as "file,line,reason" CSV to FILE (default: stderr)
  --seed N, --rows N       generate-demo: generator seed; rows of a large Price Paid file (benchmark scale)
  --database-url URL       postgres://… or a SQLite file (default: DATABASE_URL, else <data dir>/valora.sqlite)
  --data-dir DIR           data directory (default: VALORA_DATA_DIR, else <repo>/data)`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = cliArgs({
    args: argv,
    allowPositionals: true,
    options: {
      market: { type: 'string' },
      name: { type: 'string' },
      'include-category-b': { type: 'boolean' },
      restart: { type: 'boolean' },
      batched: { type: 'boolean' },
      rejects: { type: 'string' },
      seed: { type: 'string' },
      rows: { type: 'string' },
      ...STORE_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [sub, ...files] = positionals;
  if (values.help || !sub) {
    console.log(USAGE);
    return sub || values.help ? 0 : 2;
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed)) throw new CliError(`--seed must be a whole number, not "${values.seed}"`);
  const rows = values.rows === undefined ? undefined : Number(values.rows);
  if (rows !== undefined && !(Number.isInteger(rows) && rows > 0)) throw new CliError(`--rows must be a positive whole number, not "${values.rows}"`);

  if (sub === 'generate-demo') {
    const dir = files[0];
    if (!dir) throw new CliError('generate-demo needs a DIR to write into');
    const { generateUkDemo } = await import('../../data/uk/generate-demo.js');
    const result = await generateUkDemo({ dir: resolve(dir), seed, pricePaidRows: rows });
    console.log(`wrote ${result.files.map((f) => f.path).join(', ')}`);
    console.log(`${result.properties} properties, ${result.sales} sales, ${result.certificates} EPC certificates`);
    return 0;
  }

  const importers = ['import-postcodes', 'import-uprn', 'import-epc', 'import-ppd'];
  if (![...importers, 'link', 'ensure-demo'].includes(sub)) throw new CliError(`unknown uk subcommand '${sub}'\n\n${USAGE}`);
  if (importers.includes(sub)) {
    if (files.length === 0) throw new CliError(`${sub} needs at least one FILE`);
    for (const f of files) if (!existsSync(f)) throw new CliError(`${sub}: no such file: ${f}`);
  }
  if ((sub === 'import-epc' || sub === 'import-ppd' || sub === 'link') && !values.market) throw new CliError(`${sub} needs --market ID`);
  if (values.market !== undefined && !/^[a-z0-9][a-z0-9-]{0,63}$/.test(values.market)) {
    throw new CliError(`--market must be lower-case letters, digits and hyphens, not "${values.market}"`);
  }

  const store = await openStore({ url: resolveStoreUrl({ dataDir: values['data-dir'], databaseUrl: values['database-url'] }) });
  let rejectsOut: WriteStream | null = null;
  let rejectedTotal = 0;
  try {
    await migrateToLatest(store);
    if (values.rejects) rejectsOut = createWriteStream(values.rejects);
    const rejecter = (file: string) => (r: Rejection) => {
      rejectedTotal++;
      const text = `${file}:${r.line}: ${r.reason}`;
      if (rejectsOut) rejectsOut.write(`${csvField(file)},${r.line},${csvField(r.reason)}\n`);
      else console.error(`rejected ${text}`);
    };
    if (sub === 'ensure-demo') {
      const { ensureDemoUkMarket } = await import('../../data/uk/ensure-demo-market.js');
      const result = await ensureDemoUkMarket(store, { dataDir: resolveDataDir({ dataDir: values['data-dir'] }), log: (m) => console.log(m) });
      console.log(result.created ? `imported ${result.marketId}` : `${result.marketId} is already loaded`);
      return 0;
    }
    if (sub === 'link') {
      const { linkUkRegister } = await import('../../data/uk/link-register.js');
      console.log(JSON.stringify(await linkUkRegister(store, values.market!), null, 2));
      return 0;
    }
    for (const file of files) await importOne(store, sub, file, values, rejecter(file));
    if (rejectedTotal > 0) console.error(`${rejectedTotal} line(s) rejected${values.rejects ? `: see ${values.rejects}` : ''}`);
    return 0;
  } finally {
    if (rejectsOut) await new Promise((r) => rejectsOut!.end(r));
    await store.close();
  }
}

async function importOne(
  store: Store,
  sub: string,
  file: string,
  values: { market?: string; name?: string; 'include-category-b'?: boolean; restart?: boolean; batched?: boolean },
  onReject: (r: Rejection) => void,
): Promise<void> {
  const progress = terminalProgress(file);
  const common = { onReject, keepRejections: 0, progress };
  if (sub === 'import-postcodes') {
    const { importPostcodes } = await import('../../data/uk/import-postcodes.js');
    const r = await importPostcodes(store, file, common);
    console.log(`${file}: ${r.layout}, ${r.records} records: ${r.loaded} postcodes loaded, ${r.rejected} rejected`);
  } else if (sub === 'import-uprn') {
    const { importUprns } = await import('../../data/uk/import-uprns.js');
    const r = await importUprns(store, file, common);
    console.log(`${file}: ${r.records} records: ${r.loaded} UPRNs loaded, ${r.rejected} rejected`);
  } else if (sub === 'import-epc') {
    const { importEpcCertificates } = await import('../../data/uk/import-epc.js');
    const r = await importEpcCertificates(store, file, { ...common, marketId: values.market!, marketName: values.name });
    console.log(`${file}: ${r.records} records: ${r.loaded} certificates loaded, ${r.superseded} superseded by a later row, ${r.rejected} rejected`);
    if (r.link) console.log(`linked: ${JSON.stringify(r.link)}`);
  } else {
    const { importPricePaid } = await import('../../data/uk/import-price-paid.js');
    const started = Date.now();
    const r = await importPricePaid(store, file, {
      ...common,
      marketId: values.market!,
      marketName: values.name,
      includeCategoryB: values['include-category-b'],
      resume: !values.restart,
      bulk: values.batched ? false : undefined,
    });
    const seconds = (Date.now() - started) / 1000;
    if (r.resumedFromLine > 1) console.log(`${file}: resumed at line ${r.resumedFromLine}`);
    console.log(
      `${file}: ${r.records} records in ${seconds.toFixed(1)} s (${r.mode}${r.exclusive ? ', exclusive' : ''}): ${r.added} added, ${r.changed} changed, ${r.deleted} deleted, ` +
        `${r.deletedUnknown} deletions of unknown sales, ${r.superseded} superseded, ${r.rejected} rejected; ` +
        `${r.categoryB} category B; ${r.propertiesCreated} new properties`,
    );
    if (r.link) console.log(`linked: ${JSON.stringify(r.link)}`);
  }
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
