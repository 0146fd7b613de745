// What the model sees: the market's features (in config order), then latitude, longitude and rotated
// coordinates. Training rows come from a SalesFrame; a subject is validated and encoded the same way.
import { InvalidSubjectError } from './errors.js';
import { ROTATION_ANGLES, rotatedCoordinate } from './geo.js';
import type { FeatureSpec, MarketConfig, SalesFrame, Subject } from './types.js';

export interface ModelInputs {
  /** Everything the model takes, in column order. */
  specs: FeatureSpec[];
  /** How many of them are market features (the rest are location). */
  marketFeatureCount: number;
}

export function modelInputs(config: MarketConfig): ModelInputs {
  const market = config.features.map((f) => ({ ...f, levels: f.kind === 'categorical' ? (f.levels ?? []) : undefined }));
  return { specs: [...market, ...LOCATION_FEATURES], marketFeatureCount: market.length };
}

/** The inputs a saved model was trained with (its categorical levels may differ from today's config). */
export function inputsOfModel(specs: FeatureSpec[]): ModelInputs {
  return { specs, marketFeatureCount: specs.length - LOCATION_FEATURES.length };
}

const LOCATION_FEATURES: FeatureSpec[] = [
  { name: 'latitude', kind: 'numeric', label: 'Latitude' },
  { name: 'longitude', kind: 'numeric', label: 'Longitude' },
  ...ROTATION_ANGLES.map((a): FeatureSpec => ({ name: `location_axis_${a}`, kind: 'numeric', label: `Location along a ${a}° axis` })),
];

/**
 * Columns of a frame for a saved model's inputs. The frame encodes categoricals with today's config
 * levels; the model may have been trained when there were fewer, so codes are mapped through the names.
 */
export function frameColumnsForModel(frame: SalesFrame, config: MarketConfig, inputs: ModelInputs, rows: ArrayLike<number>): Float64Array[] {
  const columns = trainingColumns(frame, inputs, rows);
  inputs.specs.forEach((spec, f) => {
    if (f >= inputs.marketFeatureCount || spec.kind !== 'categorical') return;
    const current = config.features.find((c) => c.name === spec.name)?.levels ?? [];
    const model = spec.levels ?? [];
    if (current.length === model.length && current.every((l, i) => l === model[i])) return;
    const remap = current.map((level) => {
      const k = model.indexOf(level);
      return k >= 0 ? k : NaN;
    });
    const column = columns[f]!;
    for (let i = 0; i < column.length; i++) column[i] = Number.isNaN(column[i]!) ? NaN : (remap[column[i]!] ?? NaN);
  });
  return columns;
}

/** Columns for the given rows of a frame, in modelInputs order. */
export function trainingColumns(frame: SalesFrame, inputs: ModelInputs, rows: ArrayLike<number>): Float64Array[] {
  const n = rows.length;
  return inputs.specs.map((spec, f) => {
    const column = new Float64Array(n);
    if (f < inputs.marketFeatureCount) {
      const source = frame.attributes[spec.name];
      if (source) for (let i = 0; i < n; i++) column[i] = source[rows[i]!]!;
      else column.fill(NaN);
      return column;
    }
    for (let i = 0; i < n; i++) column[i] = locationValue(spec.name, frame.latitude[rows[i]!]!, frame.longitude[rows[i]!]!);
    return column;
  });
}

/** Rotation angle of each rotated-axis feature, by name (parsed once, not per valuation). */
const AXIS_ANGLE = new Map<string, number>(ROTATION_ANGLES.map((a) => [`location_axis_${a}`, a]));

function locationValue(name: string, latitude: number, longitude: number): number {
  if (name === 'latitude') return latitude;
  if (name === 'longitude') return longitude;
  return rotatedCoordinate(latitude, longitude, AXIS_ANGLE.get(name) ?? Number(name.slice('location_axis_'.length)));
}

/** The physical facts without which no model value is meaningful (Gadsden's missing_critical_data). */
export const CRITICAL_FEATURES = ['floor_area', 'bedrooms', 'property_type'] as const;

/** Plausible bounds per core feature; a value outside is an input error, not a model input. */
const BOUNDS: Record<string, { min: number; max: number; exclusiveMin?: boolean }> = {
  floor_area: { min: 0, max: 1e6, exclusiveMin: true },
  lot_size: { min: 0, max: 1e9 },
  bedrooms: { min: 0, max: 100 },
  bathrooms: { min: 0, max: 100 },
  habitable_rooms: { min: 0, max: 200 },
  rooms: { min: 0, max: 200 },
};

export interface EncodedSubject {
  x: Float64Array;
  /** Market features the subject did not give. */
  missing: string[];
  /** The property type resolved to one of the market's types, or null. */
  propertyType: string | null;
}

/**
 * Validates and encodes a subject. Throws InvalidSubjectError naming the field for anything impossible:
 * no coordinates, a non-finite number, a zero or negative area, a year built in the future, an unknown
 * property type. Unknown categorical values of other features are treated as missing.
 */
export function encodeSubject(subject: Subject, config: MarketConfig, inputs: ModelInputs, currentYear: number): EncodedSubject {
  const lat = subject.latitude;
  const lon = subject.longitude;
  if (typeof lat !== 'number' || !Number.isFinite(lat) || lat < -90 || lat > 90) throw new InvalidSubjectError('latitude', 'latitude must be a number between -90 and 90');
  if (typeof lon !== 'number' || !Number.isFinite(lon) || lon < -180 || lon > 180) throw new InvalidSubjectError('longitude', 'longitude must be a number between -180 and 180');
  const x = new Float64Array(inputs.specs.length);
  const missing: string[] = [];
  let propertyType: string | null = null;
  const attributes = subject.attributes ?? {};
  for (let f = 0; f < inputs.marketFeatureCount; f++) {
    const spec = inputs.specs[f]!;
    let raw = attributes[spec.name];
    if (spec.name === 'property_type' && (raw === undefined || raw === null || raw === '') && config.propertyTypes.length === 1) raw = config.propertyTypes[0];
    if (raw === undefined || raw === null || raw === '') {
      x[f] = NaN;
      missing.push(spec.name);
      continue;
    }
    if (spec.kind === 'categorical') {
      let value = String(raw);
      if (spec.name === 'property_type') {
        const resolved = resolvePropertyType(value, config);
        if (!resolved) throw new InvalidSubjectError('property_type', `unknown property type '${value}'; this market knows: ${[...config.propertyTypes, ...Object.keys(config.propertyTypeAliases)].join(', ')}`);
        value = resolved;
        propertyType = resolved;
      }
      const level = spec.levels?.indexOf(value) ?? -1;
      x[f] = level >= 0 ? level : NaN;
      if (level < 0) missing.push(spec.name);
      continue;
    }
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(value)) throw new InvalidSubjectError(spec.name, `${spec.name} must be a finite number`);
    const bounds = BOUNDS[spec.name];
    if (bounds && (value < bounds.min || value > bounds.max || (bounds.exclusiveMin && value === bounds.min))) {
      throw new InvalidSubjectError(spec.name, `${spec.name} must be ${bounds.exclusiveMin ? 'greater than' : 'at least'} ${bounds.min}${value > bounds.max ? ` and at most ${bounds.max}` : ''}`);
    }
    if ((spec.name === 'year_built' || spec.name === 'year_remodeled') && (value > currentYear + 1 || value < 1500)) {
      throw new InvalidSubjectError(spec.name, `${spec.name} must be a year between 1500 and ${currentYear + 1}`);
    }
    x[f] = value;
  }
  for (let f = inputs.marketFeatureCount; f < inputs.specs.length; f++) x[f] = locationValue(inputs.specs[f]!.name, lat, lon);
  return { x, missing, propertyType };
}

/**
 * The market's type for `raw`: an exact type, a type differing only in case, or a configured alias
 * (aliases are lower-case). Null when none matches.
 */
export function resolvePropertyType(raw: string, config: Pick<MarketConfig, 'propertyTypes' | 'propertyTypeAliases'>): string | null {
  const text = raw.trim();
  if (!text) return null;
  if (config.propertyTypes.includes(text)) return text;
  const lower = text.toLowerCase();
  const byCase = config.propertyTypes.find((t) => t.toLowerCase() === lower);
  if (byCase) return byCase;
  const alias = config.propertyTypeAliases[lower];
  return alias !== undefined && config.propertyTypes.includes(alias) ? alias : null;
}
