// Address and postcode normalisation shared by the Price Paid and EPC importers and the register linker.
// A property's key is the upper-case token string of "SAON PAON STREET" with punctuation, unit words
// ("FLAT 78" → "78") and common abbreviations folded, so Land Registry's and the EPC register's spellings
// of one address meet. Locality and town are left out on purpose: they are written inconsistently and the
// postcode already scopes the match.

const POSTCODE = /^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$/;

/** Upper-case without spaces ("m20 2tg" → "M202TG"); '' for an empty input. */
export function postcodeKey(raw: string): string {
  return raw.replace(/\s+/g, '').toUpperCase();
}

/** "M202TG" / "m20 2tg" → "M20 2TG"; null when it is not a well-formed UK postcode. */
export function formatPostcode(raw: string): string | null {
  const m = POSTCODE.exec(postcodeKey(raw));
  return m ? `${m[1]} ${m[2]}` : null;
}

// Words that only announce a unit: "FLAT 78", "APARTMENT 78" and "78" are one address.
const UNIT_WORDS = new Set(['FLAT', 'FLATS', 'APARTMENT', 'APT', 'UNIT', 'MAISONETTE', 'STUDIO', 'NO', 'NUMBER']);
const ABBREVIATIONS = new Map<string, string>(Object.entries({
  RD: 'ROAD',
  AVE: 'AVENUE',
  AV: 'AVENUE',
  LN: 'LANE',
  CL: 'CLOSE',
  CRES: 'CRESCENT',
  CRESC: 'CRESCENT',
  GDNS: 'GARDENS',
  GRN: 'GREEN',
  GRO: 'GROVE',
  SQ: 'SQUARE',
  TER: 'TERRACE',
  TERR: 'TERRACE',
  CT: 'COURT',
  PL: 'PLACE',
  PDE: 'PARADE',
  HSE: 'HOUSE',
  STR: 'STREET',
  // "ST" is Street or Saint: left as written.
}));
const LONGEST_UNIT_WORD = Math.max(...[...UNIT_WORDS].map((w) => w.length));
const LONGEST_ABBREVIATION = Math.max(...[...ABBREVIATIONS.keys()].map((w) => w.length));

const PLAIN = /^[A-Z0-9 ]*$/;

/** Normalised tokens of free address text. */
export function addressTokens(text: string): string[] {
  // Land Registry writes upper-case words and numbers: most addresses need none of the clean-up below.
  const cleaned = PLAIN.test(text)
    ? text
    : text
        .toUpperCase()
        .replace(/&/g, ' AND ')
        .replace(/['’.]/g, '') // ST. JOHN'S → ST JOHNS
        .replace(/(\d)\s*-\s*(\d)/g, '$1-$2') // "37 - 39" → "37-39"
        .replace(/[^A-Z0-9-]+/g, ' ')
        .replace(/(^|\s)-+|-+(\s|$)/g, ' ');
  const raw = cleaned.split(' ').filter(Boolean);
  const out: string[] = [];
  // Every new spelling in a Price Paid file comes here: the checks below are on characters, not regular
  // expressions, and a word is looked up only when it could be a unit word or an abbreviation.
  for (let i = 0; i < raw.length; i++) {
    let t = raw[i]!;
    const next = raw[i + 1];
    // "FLAT 78", "FLAT E", "APARTMENT 3B": the unit word adds nothing once the identifier follows.
    if (next !== undefined && t.length <= LONGEST_UNIT_WORD && isLetter(t.charCodeAt(0)) && UNIT_WORDS.has(t) && (isDigit(next.charCodeAt(0)) || (next.length === 1 && isLetter(next.charCodeAt(0))))) continue;
    // "12 A" → "12A"
    if (next !== undefined && next.length === 1 && isLetter(next.charCodeAt(0)) && isDigits(t)) {
      t += next;
      i++;
    }
    out.push(t.length <= LONGEST_ABBREVIATION ? (ABBREVIATIONS.get(t) ?? t) : t);
  }
  return out;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isLetter = (c: number) => c >= 65 && c <= 90;

/** One or more ASCII digits and nothing else. */
function isDigits(t: string): boolean {
  if (t.length === 0) return false;
  for (let i = 0; i < t.length; i++) if (!isDigit(t.charCodeAt(i))) return false;
  return true;
}

/** The register key of a Land Registry address. */
export function ppdAddressKey(saon: string, paon: string, street: string): string {
  return addressTokens(`${saon} ${paon} ${street}`).join(' ');
}

/** The key of an EPC certificate's address lines (which may run on into locality and town). */
export function epcAddressKey(lines: string[]): string {
  return addressTokens(lines.join(' ')).join(' ');
}

/**
 * Whether two keys in one postcode name the same property: equal, or one continues the other at a token
 * boundary (an EPC address that goes on into the locality). A key must hold a number or a name of its own
 * to match by prefix, so "HIGH STREET" alone never swallows "12 HIGH STREET".
 */
export function sameAddress(a: string, b: string): boolean {
  if (a === b) return a.length > 0;
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  if (!short || !long.startsWith(short + ' ')) return false;
  return true;
}

/**
 * Which of a postcode's keys a new address belongs to: the one that equals it, else the single one it
 * continues or is continued by. Several candidates is not a match (the caller keeps them apart).
 */
export function matchAddressKey(key: string, candidates: readonly string[]): string | null {
  return matchAddress(key, candidates, (c) => c);
}

/** matchAddressKey's rule over any items that carry an address key (`keyOf`): the matching item, or null. */
export function matchAddress<T>(key: string, candidates: readonly T[], keyOf: (candidate: T) => string): T | null {
  // An equal key wins even where two longer keys both continue this one.
  for (const c of candidates) if (keyOf(c) === key) return c;
  let found: T | null = null;
  for (const c of candidates) {
    if (!sameAddress(keyOf(c), key)) continue;
    if (found !== null && keyOf(found) !== keyOf(c)) return null;
    found = c;
  }
  return found;
}

const KEEP_UPPER = /^(\d+[A-Z]?|[IVX]+|[A-Z]\d+|\d+-\d+)$/;

/** "WILMSLOW ROAD" → "Wilmslow Road"; "FLAT 12A" → "Flat 12A"; "ST JOHN'S" → "St John's". */
export function titleCase(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[a-z0-9'’]+/g, (w) => {
      const upper = w.toUpperCase();
      if (KEEP_UPPER.test(upper)) return upper;
      return w[0]!.toUpperCase() + w.slice(1);
    })
    .replace(/\s+/g, ' ');
}

export interface PpdAddressParts {
  saon: string;
  paon: string;
  street: string;
  locality: string;
  town: string;
}

/**
 * titleCase remembering its answers: an importer meets the same streets, towns and flat numbers over and
 * over. Memory is bounded by forgetting everything at `limit` entries.
 */
export function memoTitleCase(limit = 200_000): (text: string) => string {
  let memo = new Map<string, string>();
  return (text) => {
    let out = memo.get(text);
    if (out === undefined) {
      out = titleCase(text);
      if (memo.size >= limit) memo = new Map();
      memo.set(text, out);
    }
    return out;
  };
}

/**
 * The readable full address Gadsden shows: "Flat 3, 12 High Street, Didsbury"; a house name stands on its
 * own line ("Rose Cottage, Mill Lane, Knockholt"). The locality, else the town, ends it.
 */
export function formatPpdAddress(parts: PpdAddressParts, title: (text: string) => string = titleCase): string {
  const out: string[] = [];
  if (parts.saon) out.push(title(parts.saon));
  const paon = title(parts.paon);
  const street = title(parts.street);
  // A PAON that is a number (or number range, "12A") reads with its street; a name is its own line.
  if (paon && street && /^\d/.test(paon) && !paon.includes(',')) out.push(`${paon} ${street}`);
  else {
    if (paon) out.push(paon);
    if (street) out.push(street);
  }
  const place = parts.locality || parts.town;
  if (place) out.push(title(place));
  return out.join(', ');
}
