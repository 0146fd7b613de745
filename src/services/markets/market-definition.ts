// A market definition (markets/<id>/market.json): the MarketConfig the engine uses, and where its sales come
// from. Checked on load so that a typo fails at once with the path of the bad field, not later in training.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import type { MarketConfig } from '../../engine/types.js';
import { checkSchema, ColumnMappingSchema, MappingError, type ColumnMapping } from '../../data/sales-csv/column-mapping.js';

const FeatureSpecSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9_]*$' }),
    kind: Type.Union([Type.Literal('numeric'), Type.Literal('categorical')]),
    levels: Type.Optional(Type.Array(Type.String())),
    label: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const TierSchema = Type.Object(
  {
    tier: Type.Integer({ minimum: 1 }),
    maxFsd: Type.Number({ exclusiveMinimum: 0 }),
    band: Type.String({ minLength: 1 }),
    haircut: Type.Number({ minimum: 0, maximum: 1 }),
    description: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

export const MarketConfigSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$' }),
    name: Type.String({ minLength: 1 }),
    country: Type.String({ pattern: '^[A-Z]{2}$' }),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    areaUnit: Type.Union([Type.Literal('sqft'), Type.Literal('sqm')]),
    synthetic: Type.Boolean(),
    propertyTypes: Type.Array(Type.String({ minLength: 1 })),
    propertyTypeAliases: Type.Record(Type.String(), Type.String()),
    features: Type.Array(FeatureSpecSchema),
    nonMarket: Type.Object(
      {
        minPrice: Type.Number({ minimum: 0 }),
        maxPrice: Type.Number({ exclusiveMinimum: 0 }),
        minPricePerArea: Type.Optional(Type.Number({ minimum: 0 })),
        maxPricePerArea: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
      },
      { additionalProperties: false },
    ),
    comparables: Type.Object(
      {
        radiusKm: Type.Number({ exclusiveMinimum: 0 }),
        lookbackMonths: Type.Integer({ minimum: 1 }),
        minCount: Type.Integer({ minimum: 0 }),
        count: Type.Integer({ minimum: 0 }),
      },
      { additionalProperties: false },
    ),
    confidence: Type.Object({ tiers: Type.Array(TierSchema, { minItems: 1 }) }, { additionalProperties: false }),
    valueTarget: Type.Optional(Type.Union([Type.Literal('log_price'), Type.Literal('log_price_per_area')])),
  },
  { additionalProperties: false },
);

const MarketDefinitionSchema = Type.Object(
  {
    config: MarketConfigSchema,
    source: Type.Object({ file: Type.String({ minLength: 1 }), mapping: ColumnMappingSchema }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

export type MarketDefinitionJson = Static<typeof MarketDefinitionSchema>;

export interface MarketDefinition {
  config: MarketConfig;
  /** Absolute path of the sales file. */
  salesFile: string;
  mapping: ColumnMapping;
}

/**
 * Checks a MarketConfig: the schema, then what a schema cannot say (aliases point at known types, tiers
 * ascend, price bounds are ordered, feature names are unique). Throws MappingError naming the field.
 */
export function parseMarketConfig(value: unknown, prefix = 'config'): MarketConfig {
  const config = checkSchema<MarketConfig>(MarketConfigSchema, value, prefix);
  const names = new Set<string>();
  config.features.forEach((f, i) => {
    if (names.has(f.name)) throw new MappingError(`${prefix}.features[${i}].name`, `feature '${f.name}' is listed twice`);
    names.add(f.name);
    if (f.kind === 'numeric' && f.levels) throw new MappingError(`${prefix}.features[${i}].levels`, 'only categorical features have levels');
  });
  for (const [alias, type] of Object.entries(config.propertyTypeAliases)) {
    if (alias !== alias.toLowerCase()) throw new MappingError(`${prefix}.propertyTypeAliases.${alias}`, 'aliases are lower-case');
    if (!config.propertyTypes.includes(type)) {
      throw new MappingError(`${prefix}.propertyTypeAliases.${alias}`, `'${type}' is not one of propertyTypes (${config.propertyTypes.join(', ')})`);
    }
  }
  config.confidence.tiers.forEach((t, i) => {
    const previous = config.confidence.tiers[i - 1];
    if (previous && !(t.maxFsd > previous.maxFsd && t.tier > previous.tier)) {
      throw new MappingError(`${prefix}.confidence.tiers[${i}]`, 'tiers must ascend in tier and maxFsd');
    }
  });
  const bounds = config.nonMarket;
  if (bounds.minPrice >= bounds.maxPrice) throw new MappingError(`${prefix}.nonMarket.maxPrice`, 'must be above minPrice');
  if (bounds.minPricePerArea !== undefined && bounds.maxPricePerArea !== undefined && bounds.minPricePerArea >= bounds.maxPricePerArea) {
    throw new MappingError(`${prefix}.nonMarket.maxPricePerArea`, 'must be above minPricePerArea');
  }
  if (config.comparables.minCount > config.comparables.count && config.comparables.count > 0) {
    throw new MappingError(`${prefix}.comparables.minCount`, 'must not exceed count');
  }
  return config;
}

/** Reads and checks markets/<id>/market.json; the error names the file and the field. */
export function readMarketDefinition(path: string): MarketDefinition {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new MappingError(path, `cannot read the market definition: ${(error as Error).message}`);
  }
  try {
    const definition = checkSchema<MarketDefinitionJson>(MarketDefinitionSchema, json, 'market.json');
    const config = parseMarketConfig(definition.config, 'market.json.config');
    return { config, salesFile: resolve(dirname(path), definition.source.file), mapping: definition.source.mapping };
  } catch (error) {
    if (error instanceof MappingError) throw new MappingError(`${path}: ${error.field}`, error.message.slice(error.field.length + 2));
    throw error;
  }
}
