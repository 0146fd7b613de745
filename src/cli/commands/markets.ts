// `valora markets list [--json]`: the markets in the database, with their sales. The bundled markets are
// imported first if this database has never seen them (as `valora serve` does on start).
import { parseArgs } from 'node:util';
import { resolveStoreUrl } from '../../config.js';
import { openStore } from '../../store/database.js';
import { migrateToLatest } from '../../store/migrate.js';
import { listMarketsWithCounts } from '../../store/repositories/markets.js';
import { ensureBundledMarkets } from '../../services/markets/ensure-bundled-markets.js';
import { CliError } from '../cli-error.js';

const USAGE = `usage: valora markets list [--json] [--skip-bundled]

options:
  --json                  print the markets as JSON
  --skip-bundled          do not import the bundled markets into a database that lacks them
  --database-url URL      postgres://… or a SQLite file (default: DATABASE_URL, else <data dir>/valora.sqlite)
  --data-dir DIR          data directory (default: VALORA_DATA_DIR, else <repo>/data)`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      'skip-bundled': { type: 'boolean' },
      'database-url': { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [sub, ...rest] = positionals;
  if (!sub) {
    console.error(USAGE);
    return 2;
  }
  if (sub !== 'list' || rest.length > 0) throw new CliError(`unknown markets subcommand '${positionals.join(' ')}'\n\n${USAGE}`);

  const store = await openStore({ url: resolveStoreUrl({ dataDir: values['data-dir'], databaseUrl: values['database-url'] }) });
  try {
    await migrateToLatest(store);
    if (!values['skip-bundled']) await ensureBundledMarkets(store, { log: (m) => console.error(m) });
    const markets = await listMarketsWithCounts(store.db);
    if (values.json) {
      const rows = markets.map((m) => ({
        id: m.id,
        name: m.name,
        country: m.config.country,
        currency: m.config.currency,
        area_unit: m.config.areaUnit,
        synthetic: m.config.synthetic,
        property_types: m.config.propertyTypes,
        features: m.config.features.map((f) => f.name),
        sales: m.sales,
        market_sales: m.marketSales,
        first_sale_date: m.firstSaleDate,
        last_sale_date: m.lastSaleDate,
        updated_at: m.updatedAt,
      }));
      console.log(JSON.stringify(rows, null, 2));
      return 0;
    }
    if (markets.length === 0) {
      console.log('no markets');
      return 0;
    }
    const table = [
      ['id', 'name', 'currency', 'sales', 'market sales', 'first sale', 'last sale'],
      ...markets.map((m) => [
        m.id,
        m.config.synthetic ? `${m.name} (synthetic)` : m.name,
        `${m.config.currency}/${m.config.areaUnit}`,
        m.sales.toLocaleString('en-US'),
        m.marketSales.toLocaleString('en-US'),
        m.firstSaleDate ?? '-',
        m.lastSaleDate ?? '-',
      ]),
    ];
    const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
    for (const row of table) console.log(row.map((cell, c) => (c >= 3 && c <= 4 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd());
    return 0;
  } finally {
    await store.close();
  }
}
