// Value normalisation for the UK sources: Land Registry type codes, EPC age bands, ratings and rooms.
// Every function returns null for a value it does not recognise rather than guessing.

export const UK_PROPERTY_TYPES = ['Detached', 'Semi-Detached', 'Terraced', 'Flat', 'Other'] as const;
export type UkPropertyType = (typeof UK_PROPERTY_TYPES)[number];

const PPD_TYPES: Record<string, UkPropertyType> = { D: 'Detached', S: 'Semi-Detached', T: 'Terraced', F: 'Flat', O: 'Other' };
const PPD_CODES: Record<UkPropertyType, string> = { Detached: 'D', 'Semi-Detached': 'S', Terraced: 'T', Flat: 'F', Other: 'O' };

/** Land Registry code (D, S, T, F, O) → type name. */
export function typeFromPpdCode(code: string): UkPropertyType | null {
  return PPD_TYPES[code] ?? null;
}

/** Type name → Land Registry code, as Gadsden's comparables show it. */
export function ppdCodeOfType(type: string | null | undefined): string | null {
  return type && type in PPD_CODES ? PPD_CODES[type as UkPropertyType] : null;
}

/** EPC PROPERTY_TYPE + BUILT_FORM → type name (a bungalow is typed by its built form, a maisonette is a flat). */
export function typeFromEpc(propertyType: string | null, builtForm: string | null): UkPropertyType | null {
  const p = (propertyType ?? '').trim().toLowerCase();
  const f = (builtForm ?? '').trim().toLowerCase();
  if (p === 'flat' || p === 'maisonette') return 'Flat';
  if (p === 'park home') return 'Other';
  if (p === 'house' || p === 'bungalow') {
    if (f === 'detached') return 'Detached';
    if (f === 'semi-detached') return 'Semi-Detached';
    if (f.includes('terrace')) return 'Terraced';
  }
  return null;
}

/** EPC BUILT_FORM as written, or null for the no-data markers. */
export function cleanEpcText(value: string | null | undefined): string | null {
  const v = (value ?? '').trim();
  if (!v || /^(NO DATA!|INVALID!|N\/A|NODATA!|not recorded|unknown)$/i.test(v)) return null;
  return v;
}

// The EPC register's age bands (England and Wales), upper year of each.
const BANDS: Array<[number, string]> = [
  [1899, 'before 1900'],
  [1929, '1900-1929'],
  [1949, '1930-1949'],
  [1966, '1950-1966'],
  [1975, '1967-1975'],
  [1982, '1976-1982'],
  [1990, '1983-1990'],
  [1995, '1991-1995'],
  [2002, '1996-2002'],
  [2006, '2003-2006'],
  [2011, '2007-2011'],
  [Infinity, '2012-onwards'],
];
export const CONSTRUCTION_PERIODS = BANDS.map(([, b]) => b);

/**
 * "England and Wales: 1930-1949" → "1930-1949"; "England and Wales: 2012 onwards" → "2012-onwards";
 * a bare year ("2015", as newer certificates lodge) → its band; the no-data markers → null.
 */
export function constructionPeriod(band: string | null | undefined): string | null {
  const v = cleanEpcText(band);
  if (!v) return null;
  const text = v.replace(/^.*:\s*/, '').trim().toLowerCase();
  if (/^before\s+1900$/.test(text)) return 'before 1900';
  const range = /^(\d{4})\s*-\s*(\d{4})$/.exec(text);
  if (range) {
    const upper = Number(range[2]);
    return BANDS.find(([u]) => upper <= u)?.[1] ?? null;
  }
  const onwards = /^(\d{4})\s*(-|\s)\s*onwards$/.exec(text);
  if (onwards) return BANDS.find(([u]) => Number(onwards[1]) <= u)?.[1] ?? null;
  if (/^\d{4}$/.test(text)) {
    const year = Number(text);
    if (year < 1500 || year > 2100) return null;
    return BANDS.find(([u]) => year <= u)![1];
  }
  return null;
}

export const EPC_RATINGS = ['A', 'B', 'C', 'D', 'E', 'F', 'G'];

export function epcRating(value: string | null | undefined): string | null {
  const v = (value ?? '').trim().toUpperCase();
  return EPC_RATINGS.includes(v) ? v : null;
}

/**
 * Bedrooms from EPC habitable rooms (bedrooms plus living and dining rooms; kitchens and bathrooms are not
 * counted). One room is a studio (0 bedrooms); up to four rooms one is a living room; from five, two are.
 * The result is an estimate and is always flagged `bedrooms_estimated`.
 */
export function bedroomsFromRooms(rooms: number | null): number | null {
  if (rooms === null || !Number.isFinite(rooms) || rooms < 1) return null;
  if (rooms === 1) return 0;
  if (rooms <= 4) return rooms - 1;
  return rooms - 2;
}

/** A positive number, or null. */
export function positiveNumber(value: string | null | undefined): number | null {
  const v = (value ?? '').trim();
  if (!v) return null;
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** YYYY-MM-DD from "YYYY-MM-DD", "YYYY-MM-DD HH:MM", or an ISO timestamp; null when not a real date. */
export function isoDate(value: string | null | undefined): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$/.exec((value ?? '').trim());
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) return null;
  return `${m[1]}-${m[2]}-${m[3]}`;
}
