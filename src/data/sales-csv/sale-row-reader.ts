// Turns one CSV record into a validated sale, or says precisely why it cannot be one. Built once per file
// from the header, the mapping and the market's config, so each row costs only array lookups.
import type { MarketConfig } from '../../engine/types.js';
import { DEFAULT_MISSING_VALUES, MappingError, mappedColumns, type ColumnMapping } from './column-mapping.js';
import { classifyNonMarket } from './classify-non-market.js';
import { parseSaleDate } from './parse-sale-date.js';
import { resolvePropertyType } from './property-type.js';

export type AttributeValue = number | string | null;

export interface SaleRow {
  saleKey: string;
  /** YYYY-MM-DD */
  saleDate: string;
  price: number;
  latitude: number;
  longitude: number;
  propertyKey: string;
  address: string | null;
  postcode: string | null;
  propertyType: string | null;
  /** Feature values by feature name (categoricals as their raw string), plus `property_type`. */
  attributes: Record<string, AttributeValue>;
  nonMarketReason: string | null;
}

export type RowResult = { ok: true; sale: SaleRow } | { ok: false; reason: string };

export interface RowReaderOptions {
  /** Today's date (YYYY-MM-DD): later sale dates and later years built are rejected. */
  today: string;
}

type FeatureReader = (fields: string[]) => AttributeValue | { error: string };

/** Features whose values have a physical floor, checked on every row. */
const POSITIVE_FEATURES = new Set(['floor_area', 'lot_size']);
const NON_NEGATIVE_FEATURES = new Set(['bedrooms', 'bathrooms']);
const EARLIEST_YEAR_BUILT = 1000;

export function createSaleRowReader(
  header: string[],
  mapping: ColumnMapping,
  config: MarketConfig,
  options: RowReaderOptions,
): (fields: string[]) => RowResult {
  const index = new Map<string, number>();
  header.forEach((name, i) => {
    const key = name.trim();
    if (!index.has(key)) index.set(key, i);
  });
  for (const { field, column } of mappedColumns(mapping)) {
    if (!index.has(column)) throw new MappingError(field, `column '${column}' is not in the file (its columns: ${header.join(', ')})`);
  }
  const col = (name: string) => index.get(name)!;
  const missing = new Set(mapping.missingValues ?? DEFAULT_MISSING_VALUES);
  const isMissing = (text: string | undefined) => text === undefined || missing.has(text.trim());

  const saleIdAt = col(mapping.saleId);
  const dateAt = col(mapping.date.column);
  const priceAt = col(mapping.price);
  const latAt = col(mapping.latitude);
  const lonAt = col(mapping.longitude);
  const keyAt = mapping.propertyKey ? col(mapping.propertyKey) : -1;
  const addressAt = mapping.address ? col(mapping.address) : -1;
  const postcodeAt = mapping.postcode ? col(mapping.postcode) : -1;
  const typeSource = mapping.propertyType;
  const typeAt = typeSource && 'column' in typeSource ? col(typeSource.column) : -1;
  const openTypes = config.propertyTypes.length === 0;
  let constantType: string | null = null;
  if (typeSource && 'constant' in typeSource) {
    constantType = openTypes ? typeSource.constant : resolvePropertyType(typeSource.constant, config);
    if (constantType === null) {
      throw new MappingError('mapping.propertyType.constant', `'${typeSource.constant}' is not one of the market's property types (${config.propertyTypes.join(', ')})`);
    }
  }
  const nonMarketAt = mapping.nonMarket ? col(mapping.nonMarket.column) : -1;
  const marketValues = new Set(mapping.nonMarket?.marketValues ?? []);

  const readNumber = (text: string, column: string): number | null | { error: string } => {
    if (isMissing(text)) return null;
    const value = Number(text.trim());
    return Number.isFinite(value) ? value : { error: `${column} '${clip(text)}' is not a number` };
  };

  // One reader per config feature; property_type comes from the property-type mapping.
  const featureReaders: Array<{ name: string; read: FeatureReader }> = [];
  for (const feature of config.features) {
    if (feature.name === 'property_type') continue;
    const source = mapping.features[feature.name];
    if (!source) {
      throw new MappingError(`mapping.features.${feature.name}`, `the market has a feature '${feature.name}' but the mapping gives it no column`);
    }
    if ('sum' in source) {
      if (feature.kind !== 'numeric') throw new MappingError(`mapping.features.${feature.name}`, `a sum makes a numeric feature, but '${feature.name}' is ${feature.kind}`);
      const terms = source.sum.map((t) => ({ at: col(t.column), column: t.column, times: t.times }));
      featureReaders.push({
        name: feature.name,
        read: (fields) => {
          let total = 0;
          for (const term of terms) {
            const v = readNumber(fields[term.at] ?? '', term.column);
            if (v === null) return null;
            if (typeof v === 'object') return v;
            total += v * term.times;
          }
          return total;
        },
      });
    } else {
      if (source.kind && source.kind !== feature.kind) {
        throw new MappingError(`mapping.features.${feature.name}.kind`, `the market defines '${feature.name}' as ${feature.kind}`);
      }
      const at = col(source.column);
      featureReaders.push({
        name: feature.name,
        read:
          feature.kind === 'categorical'
            ? (fields) => (isMissing(fields[at]) ? null : fields[at]!.trim())
            : (fields) => readNumber(fields[at] ?? '', source.column),
      });
    }
  }
  for (const name of Object.keys(mapping.features)) {
    if (!config.features.some((f) => f.name === name)) {
      throw new MappingError(`mapping.features.${name}`, `the market has no feature '${name}' (its features: ${config.features.map((f) => f.name).join(', ')})`);
    }
  }
  const hasTypeFeature = config.features.some((f) => f.name === 'property_type');
  const todayYear = Number(options.today.slice(0, 4));

  return (fields) => {
    const saleKey = (fields[saleIdAt] ?? '').trim();
    if (isMissing(saleKey)) return reject(`sale id (${mapping.saleId}) is missing`);
    const rawDate = fields[dateAt] ?? '';
    if (isMissing(rawDate)) return reject(`sale date (${mapping.date.column}) is missing`);
    const saleDate = parseSaleDate(rawDate, mapping.date.format);
    if (!saleDate) return reject(`sale date ${mapping.date.column} '${clip(rawDate)}' is not a ${mapping.date.format} date`);
    if (saleDate > options.today) return reject(`sale date ${mapping.date.column} ${saleDate} is in the future`);

    const price = readNumber(fields[priceAt] ?? '', mapping.price);
    if (price === null) return reject(`price (${mapping.price}) is missing`);
    if (typeof price === 'object') return reject(price.error);
    if (price <= 0) return reject(`price ${mapping.price} ${price} is not positive`);

    const latitude = readNumber(fields[latAt] ?? '', mapping.latitude);
    const longitude = readNumber(fields[lonAt] ?? '', mapping.longitude);
    if (latitude === null) return reject(`latitude (${mapping.latitude}) is missing`);
    if (longitude === null) return reject(`longitude (${mapping.longitude}) is missing`);
    if (typeof latitude === 'object') return reject(latitude.error);
    if (typeof longitude === 'object') return reject(longitude.error);
    if (latitude < -90 || latitude > 90) return reject(`latitude ${mapping.latitude} ${latitude} is outside -90..90`);
    if (longitude < -180 || longitude > 180) return reject(`longitude ${mapping.longitude} ${longitude} is outside -180..180`);
    if (latitude === 0 && longitude === 0) return reject(`coordinates ${mapping.latitude},${mapping.longitude} are 0,0 (a missing location)`);

    let propertyType: string | null = constantType;
    if (typeAt >= 0) {
      const rawType = fields[typeAt] ?? '';
      if (isMissing(rawType)) propertyType = null;
      else {
        propertyType = openTypes ? rawType.trim() : resolvePropertyType(rawType, config);
        if (propertyType === null) {
          return reject(`property type ${typeSource && 'column' in typeSource ? typeSource.column : ''} '${clip(rawType)}' is not one of ${config.propertyTypes.join(', ')}`);
        }
      }
    }

    const attributes: Record<string, AttributeValue> = {};
    for (const { name, read } of featureReaders) {
      const value = read(fields);
      if (value !== null && typeof value === 'object') return reject(`${name}: ${value.error}`);
      if (typeof value === 'number') {
        if (POSITIVE_FEATURES.has(name) && value <= 0) return reject(`${name} ${value} is not positive`);
        if (NON_NEGATIVE_FEATURES.has(name) && value < 0) return reject(`${name} ${value} is negative`);
        if (name === 'year_built') {
          if (value > todayYear + 1) return reject(`year_built ${value} is in the future`);
          if (value < EARLIEST_YEAR_BUILT) return reject(`year_built ${value} is not a plausible year`);
        }
      }
      attributes[name] = value;
    }
    if (hasTypeFeature || propertyType !== null) attributes.property_type = propertyType;

    let propertyKey: string;
    if (keyAt >= 0) {
      const rawKey = fields[keyAt] ?? '';
      if (isMissing(rawKey)) return reject(`property key (${mapping.propertyKey}) is missing`);
      propertyKey = rawKey.trim();
    } else {
      propertyKey = `${latitude.toFixed(6)},${longitude.toFixed(6)}`;
    }

    let flaggedValue: { column: string; value: string } | null = null;
    if (nonMarketAt >= 0) {
      const value = (fields[nonMarketAt] ?? '').trim();
      if (!marketValues.has(value)) flaggedValue = { column: mapping.nonMarket!.column, value: value || 'missing' };
    }
    const floorArea = typeof attributes.floor_area === 'number' ? attributes.floor_area : NaN;
    const nonMarketReason = classifyNonMarket({ price, floorArea, flaggedValue }, config.nonMarket);

    return {
      ok: true,
      sale: {
        saleKey,
        saleDate,
        price,
        latitude,
        longitude,
        propertyKey,
        address: addressAt >= 0 && !isMissing(fields[addressAt]) ? fields[addressAt]!.trim() : null,
        postcode: postcodeAt >= 0 && !isMissing(fields[postcodeAt]) ? fields[postcodeAt]!.trim() : null,
        propertyType,
        attributes,
        nonMarketReason,
      },
    };
  };
}

function reject(reason: string): RowResult {
  return { ok: false, reason };
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
