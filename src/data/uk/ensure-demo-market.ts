// Loads the bundled synthetic UK market when it is missing: generates its files into the data directory
// (deterministic, so a regenerated file is the same file) and runs the ordinary importers on them. Called
// at start-up and by tests; a market that is already loaded costs one query.
import { join } from 'node:path';
import { resolveDataDir } from '../../config.js';
import type { Store } from '../../store/database.js';
import { countMarketSales, ensureUkMarketRow } from '../../store/repositories/uk.js';
import { CODEPOINT_M_FILE, DEMO_DEFAULT_SEED, DEMO_MARKET_ID, DEMO_MARKET_NAME, generateUkDemo } from './generate-demo.js';
import { importEpcCertificates } from './import-epc.js';
import { importPostcodes } from './import-postcodes.js';
import { importPricePaid } from './import-price-paid.js';
import { importUprns } from './import-uprns.js';
import { linkUkRegister } from './link-register.js';
import { ukMarketConfig } from './uk-market-config.js';

export interface EnsureDemoUkMarketOptions {
  log?: (message: string) => void;
  /** Where the generated files go (default: the data directory's markets/uk-demo-manchester). */
  dataDir?: string;
  seed?: number;
}

export interface EnsureDemoUkMarketResult {
  marketId: string;
  created: boolean;
}

export async function ensureDemoUkMarket(store: Store, options: EnsureDemoUkMarketOptions = {}): Promise<EnsureDemoUkMarketResult> {
  const log = options.log ?? (() => {});
  if ((await countMarketSales(store.db, DEMO_MARKET_ID)) > 0) return { marketId: DEMO_MARKET_ID, created: false };
  const started = Date.now();
  const dir = join(resolveDataDir({ dataDir: options.dataDir }), 'markets', DEMO_MARKET_ID);
  log(`${DEMO_MARKET_ID}: generating the synthetic UK demo market into ${dir}`);
  const generated = await generateUkDemo({ dir, seed: options.seed ?? DEMO_DEFAULT_SEED });
  const file = (kind: string) => generated.files.find((f) => f.kind === kind)!.path;
  await ensureUkMarketRow(store.db, ukMarketConfig({ id: DEMO_MARKET_ID, name: DEMO_MARKET_NAME, synthetic: true }));

  const fail = (what: string) => (r: { line: number; reason: string }) => {
    throw new Error(`${DEMO_MARKET_ID}: the generated ${what} file was rejected at line ${r.line}: ${r.reason}`);
  };
  const postcodes = await importPostcodes(store, CODEPOINT_M_FILE);
  await importPostcodes(store, file('postcodes-supplement'), { source: 'demo-supplement', onReject: fail('postcode supplement') });
  await importUprns(store, file('uprn'), { onReject: fail('UPRN') });
  await importEpcCertificates(store, file('epc'), { marketId: DEMO_MARKET_ID, onReject: fail('EPC'), link: false });
  const ppd = await importPricePaid(store, file('ppd'), { marketId: DEMO_MARKET_ID, onReject: fail('Price Paid'), link: false, resume: false });
  const link = await linkUkRegister(store, DEMO_MARKET_ID);
  log(
    `${DEMO_MARKET_ID}: ${postcodes.loaded} postcodes, ${ppd.added} sales of ${ppd.propertiesCreated + link.propertiesCreated} properties, ` +
      `${link.certificates} EPC certificates (${link.linkedByUprn} linked by UPRN, ${link.linkedByAddress} by address) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return { marketId: DEMO_MARKET_ID, created: true };
}
