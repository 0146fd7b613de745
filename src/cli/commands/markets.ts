// `valora markets list [--json]`: the markets in the database, with their sales. The bundled markets are
// imported first if this database has never seen them (as `valora serve` does on start).
import { listMarketsWithCounts } from '../../store/repositories/markets.js';
import { STORE_USAGE, subcommandArgs, withCliStore } from '../cli-options.js';

const USAGE = `usage: valora markets list [--json] [--skip-bundled]

options:
  --json                  print the markets as JSON
  --skip-bundled          do not import the bundled markets into a database that lacks them
${STORE_USAGE}`;

export async function run(argv: string[]): Promise<number> {
  const parsed = subcommandArgs(argv, { command: 'markets', usage: USAGE, subcommands: ['list'], options: { 'skip-bundled': { type: 'boolean' } } });
  if (!parsed) return 0;
  const { values } = parsed;
  return withCliStore(values, async (store) => {
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
  }, { bundledMarkets: !values['skip-bundled'] });
}
