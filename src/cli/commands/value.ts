// `valora value [--market <id>] [--date YYYY-MM-DD] [--comparables N] [JSON | --file subject.json | < stdin]`
import { readFileSync } from 'node:fs';
import { formatDay, parseDay, todayDay } from '../../engine/calendar.js';
import { InvalidSubjectError, NoModelForDateError } from '../../engine/errors.js';
import type { Subject, ValuationOutcome } from '../../engine/types.js';
import { prepareEngine } from '../../services/prepare-engine.js';
import { listMarketIds } from '../../store/repositories/markets.js';
import { CliError } from '../cli-error.js';
import { STORE_OPTIONS, STORE_USAGE, cliArgs, withCliStore } from '../cli-options.js';

const USAGE = `usage: valora value [--market ID] [--date YYYY-MM-DD] [--comparables N] [SUBJECT_JSON | --file FILE]

Values one property and prints the valuation as JSON. The subject is a JSON object with latitude,
longitude and the market's features by name (floor_area, bedrooms, bathrooms, year_built,
property_type, …), given as an argument, in --file, or on standard input. Example:

  npx valora value --market ames-ia '{"latitude":42.0530,"longitude":-93.6189,"floor_area":1400,"bedrooms":3,"property_type":"houses"}'

options:
  --market ID             the market (default: the one whose sales surround the coordinates)
  --date DATE             valuation date (default today); no later sale is used
  --comparables N         comparables to return (default 5; 0 skips them)
  --file FILE             read the subject from FILE
${STORE_USAGE}`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = cliArgs({ args: argv, allowPositionals: true, options: { market: { type: 'string' }, date: { type: 'string' }, comparables: { type: 'string' }, file: { type: 'string' }, help: { type: 'boolean', short: 'h' }, ...STORE_OPTIONS } });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const text = positionals[0] ?? (values.file ? readFileSync(values.file, 'utf8') : process.stdin.isTTY ? '' : readFileSync(0, 'utf8'));
  if (!text.trim()) throw new CliError(`no subject given\n\n${USAGE}`);
  const subject = parseSubject(text);
  let asOf = todayDay();
  if (values.date) {
    try {
      asOf = parseDay(values.date);
    } catch {
      throw new CliError(`--date must be a YYYY-MM-DD date, not '${values.date}'`);
    }
  }
  const numComparables = values.comparables === undefined ? 5 : Number(values.comparables);
  if (!Number.isInteger(numComparables) || numComparables < 0 || numComparables > 50) throw new CliError('--comparables must be a whole number from 0 to 50');
  return withCliStore(values, async (store) => {
    if (values.market && !(await listMarketIds(store.db)).includes(values.market)) throw new CliError(`unknown market '${values.market}'`);
    const engine = await prepareEngine(store, { log: (m) => console.error(m), markets: values.market ? [values.market] : undefined });
    const market = values.market ?? engine.marketAt(subject.latitude, subject.longitude);
    if (!market) throw new CliError('the coordinates are outside every loaded market; name one with --market');
    try {
      const outcome = engine.value(market, subject, { asOf, numComparables });
      console.log(JSON.stringify(present(market, formatDay(asOf), outcome), null, 2));
      return 0;
    } catch (error) {
      if (error instanceof InvalidSubjectError) throw new CliError(`${error.field}: ${error.message}`);
      if (error instanceof NoModelForDateError) throw new CliError(error.message);
      throw error;
    }
  }, { bundledMarkets: true });
}

function parseSubject(text: string): Subject {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`the subject is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new CliError('the subject must be a JSON object');
  const { latitude, longitude, property_id, ...attributes } = json as Record<string, unknown>;
  if (typeof latitude !== 'number') throw new CliError('latitude: a number is required');
  if (typeof longitude !== 'number') throw new CliError('longitude: a number is required');
  for (const [k, v] of Object.entries(attributes)) {
    if (v !== null && typeof v !== 'number' && typeof v !== 'string') throw new CliError(`${k}: must be a number or a string`);
  }
  return { latitude, longitude, propertyId: typeof property_id === 'number' ? property_id : undefined, attributes: attributes as Subject['attributes'] };
}

/** The engine's outcome with dates as text and money rounded to whole units, for people and scripts. */
export function present(market: string, date: string, outcome: ValuationOutcome): Record<string, unknown> {
  if (outcome.status !== 'success') return { market, date, status: outcome.status, reason: outcome.reason, reason_description: outcome.reasonDescription, missing_data: outcome.missingData, model_version: outcome.modelVersion };
  return {
    market,
    date,
    status: 'success',
    value: Math.round(outcome.value),
    range_90: { low: Math.round(outcome.range90.low), high: Math.round(outcome.range90.high) },
    interval_95: { lower: Math.round(outcome.interval95.lower), upper: Math.round(outcome.interval95.upper) },
    fsd: Number(outcome.fsd.toFixed(4)),
    confidence: { tier: outcome.tier.tier, level: outcome.confidenceLevel, fsd_band: outcome.tier.band, haircut: outcome.tier.haircut, description: outcome.tier.description },
    comparables: outcome.comparables.map((c) => ({ sale_id: c.saleId, property_id: c.propertyId, distance_m: Math.round(c.distanceM), sale_date: formatDay(c.saleDay), sale_price: c.salePrice, adjusted_price: Math.round(c.adjustedPrice), property_type: c.propertyType, floor_area: c.floorArea, similarity: Number(c.similarity.toFixed(3)) })),
    base_value: Math.round(outcome.baseValue),
    feature_contributions: outcome.contributions.map((c) => ({ feature: c.feature, contribution: Number(c.contribution.toFixed(2)) })),
    model_version: outcome.modelVersion,
  };
}
