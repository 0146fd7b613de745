// How the columns of someone's sales CSV become Valora sales: which column holds the sale id, the date (and
// in which format), the price, the coordinates, the property, and each model feature. A mapping is JSON
// (markets/<id>/market.json's `source.mapping`, or `valora import --mapping file.json`), so it is checked
// with a schema and every mistake is reported by its path (`mapping.features.bathrooms.sum[1].column`).
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const DATE_FORMATS = ['YYYY-MM-DD', 'YYYY-MM', 'DD/MM/YYYY', 'MM/DD/YYYY'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

const ColumnName = Type.String({ minLength: 1 });

const ColumnFeatureSchema = Type.Object(
  {
    column: ColumnName,
    /** numeric (the default) or categorical (the raw string is kept; levels are the distinct values). */
    kind: Type.Optional(Type.Union([Type.Literal('numeric'), Type.Literal('categorical')])),
  },
  { additionalProperties: false },
);

const SumFeatureSchema = Type.Object(
  {
    /** A weighted sum of numeric columns, e.g. bathrooms = full + 0.5 × half. Missing if any term is missing. */
    sum: Type.Array(Type.Object({ column: ColumnName, times: Type.Number() }, { additionalProperties: false }), { minItems: 1 }),
  },
  { additionalProperties: false },
);

export const FeatureSourceSchema = Type.Union([ColumnFeatureSchema, SumFeatureSchema]);

export const ColumnMappingSchema = Type.Object(
  {
    saleId: ColumnName,
    date: Type.Object(
      { column: ColumnName, format: Type.Union(DATE_FORMATS.map((f) => Type.Literal(f))) },
      { additionalProperties: false },
    ),
    price: ColumnName,
    latitude: ColumnName,
    longitude: ColumnName,
    /** The column naming the property (a parcel id, a UPRN); without it a property is its coordinates rounded to 6 decimals. */
    propertyKey: Type.Optional(ColumnName),
    address: Type.Optional(ColumnName),
    postcode: Type.Optional(ColumnName),
    propertyType: Type.Optional(
      Type.Union([
        Type.Object({ column: ColumnName }, { additionalProperties: false }),
        Type.Object({ constant: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
      ]),
    ),
    /** Model features by name (the name the model and the API use), in order. */
    features: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]*$' }), FeatureSourceSchema),
    /** Sales whose `column` holds a value outside `marketValues` are kept but flagged non-market. */
    nonMarket: Type.Optional(
      Type.Object(
        { column: ColumnName, marketValues: Type.Array(Type.String(), { minItems: 1 }) },
        { additionalProperties: false },
      ),
    ),
    /** Cell values meaning "unknown" (compared after trimming). Default: "", NA, N/A, NULL. */
    missingValues: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);

export type ColumnMapping = Static<typeof ColumnMappingSchema>;
export type FeatureSource = Static<typeof FeatureSourceSchema>;

export const DEFAULT_MISSING_VALUES = ['', 'NA', 'N/A', 'NULL'];

/** A mapping (or market definition) that cannot be used; `field` is the path of the value to fix. */
export class MappingError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** Turns a TypeBox error path (/features/bathrooms/sum/1/column) into `prefix.features.bathrooms.sum[1].column`. */
export function schemaPathToField(prefix: string, path: string): string {
  let field = prefix;
  for (const part of path.split('/').filter(Boolean)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    field += /^\d+$/.test(key) ? `[${key}]` : `.${key}`;
  }
  return field;
}

/** Checks `value` against `schema`, throwing a MappingError that names the first bad field. */
export function checkSchema<T>(schema: Parameters<typeof Value.Check>[0], value: unknown, prefix: string): T {
  if (Value.Check(schema, value)) return value as T;
  // A union reports only that nothing matched; the deepest error is the most useful one to show.
  const errors = [...Value.Errors(schema, value)];
  const best = errors.reduce((a, b) => (b.path.split('/').length > a.path.split('/').length ? b : a), errors[0]!);
  const field = schemaPathToField(prefix, best.path);
  const got = best.value === undefined ? 'it is missing' : `got ${JSON.stringify(best.value)?.slice(0, 60)}`;
  throw new MappingError(field, `${best.message} (${got})`);
}

export function parseColumnMapping(value: unknown, prefix = 'mapping'): ColumnMapping {
  return checkSchema<ColumnMapping>(ColumnMappingSchema, value, prefix);
}

/** Every column the mapping reads, with the field that names it (to report a column absent from the file). */
export function mappedColumns(mapping: ColumnMapping, prefix = 'mapping'): Array<{ field: string; column: string }> {
  const out: Array<{ field: string; column: string }> = [
    { field: `${prefix}.saleId`, column: mapping.saleId },
    { field: `${prefix}.date.column`, column: mapping.date.column },
    { field: `${prefix}.price`, column: mapping.price },
    { field: `${prefix}.latitude`, column: mapping.latitude },
    { field: `${prefix}.longitude`, column: mapping.longitude },
  ];
  if (mapping.propertyKey) out.push({ field: `${prefix}.propertyKey`, column: mapping.propertyKey });
  if (mapping.address) out.push({ field: `${prefix}.address`, column: mapping.address });
  if (mapping.postcode) out.push({ field: `${prefix}.postcode`, column: mapping.postcode });
  if (mapping.propertyType && 'column' in mapping.propertyType) {
    out.push({ field: `${prefix}.propertyType.column`, column: mapping.propertyType.column });
  }
  for (const [name, source] of Object.entries(mapping.features)) {
    if ('column' in source) out.push({ field: `${prefix}.features.${name}.column`, column: source.column });
    else source.sum.forEach((t, i) => out.push({ field: `${prefix}.features.${name}.sum[${i}].column`, column: t.column }));
  }
  if (mapping.nonMarket) out.push({ field: `${prefix}.nonMarket.column`, column: mapping.nonMarket.column });
  return out;
}
