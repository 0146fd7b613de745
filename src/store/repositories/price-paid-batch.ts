// A batch of Price Paid rows as the reader hands it to the writer: made in a worker thread and moved to the
// writing thread without copying, so its sales are one fixed-width ASCII blob (no object or string per
// row) and its new properties parallel columns. SQLite expands the blob in one INSERT … SELECT; the
// PostgreSQL writer decodes it.
//
// A sale record, 1-based columns: property id 1–10 (written by the writer, which alone knows the ids), key
// length 11–12, transaction id 13–52, date 53–62, price 63–74, kind 75–77.
export const SALE_RECORD = 77;
export const SALE_KEY_WIDTH = 40;
/** Prices from here do not fit the record's twelve digits: such a sale travels in `oversize`. */
export const SALE_PRICE_LIMIT = 1e12;
export const SALE_PROPERTY_AT = 0;
export const SALE_KEY_LENGTH_AT = 10;
export const SALE_KEY_AT = 12;
export const SALE_DATE_AT = 52;
export const SALE_PRICE_AT = 62;
export const SALE_KIND_AT = 74;

/** What a sale record says besides its id, date and price: few distinct values, so each is stored once. */
export interface PricePaidSaleKind {
  attributes: string;
  isMarket: number;
  nonMarketReason: string | null;
}

/** New register properties, one entry per column; the i-th has register index `firstIndex + i`. */
export interface PricePaidProperties {
  firstIndex: number;
  sourceKey: string[];
  address: string[];
  postcode: string[];
  postcodeKey: string[];
  latitude: number[];
  longitude: number[];
  propertyType: string[];
  attributes: string[];
}

/**
 * PricePaidProperties as they cross between threads. Each property's own text (source key, address,
 * postcode, postcode key) goes in one string with each value's length; the attributes and the property type
 * take few values (one per type, tenure, district and county), so each distinct one is sent once with a code
 * per property; the coordinates go as typed arrays. Cloned as arrays, a batch's hundreds of thousands of
 * strings each cost the reading thread a serialisation step and the writing thread an allocation (measured
 * at 5 million rows: 1.4 s of the reading worker's time).
 */
export interface PackedProperties {
  firstIndex: number;
  count: number;
  /** Source keys, then addresses, postcodes and postcode keys, each column whole. */
  text: string;
  lengths: Int32Array;
  /** Distinct property types and attributes texts, and each property's code into them. */
  values: string[];
  typeCodes: Int32Array;
  attributeCodes: Int32Array;
  latitude: Float64Array;
  longitude: Float64Array;
}

export function packProperties(p: PricePaidProperties): PackedProperties {
  const count = p.sourceKey.length;
  const columns = [p.sourceKey, p.address, p.postcode, p.postcodeKey];
  const parts: string[] = [];
  const lengths = new Int32Array(count * columns.length);
  let at = 0;
  for (const column of columns) {
    for (let i = 0; i < count; i++) {
      const value = column[i]!;
      parts.push(value);
      lengths[at++] = value.length;
    }
  }
  const values: string[] = [];
  const codeOf = new Map<string, number>();
  const encode = (column: string[]) => {
    const codes = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const value = column[i]!;
      let code = codeOf.get(value);
      if (code === undefined) {
        code = values.push(value) - 1;
        codeOf.set(value, code);
      }
      codes[i] = code;
    }
    return codes;
  };
  return {
    firstIndex: p.firstIndex,
    count,
    text: parts.join(''),
    lengths,
    values,
    typeCodes: encode(p.propertyType),
    attributeCodes: encode(p.attributes),
    latitude: Float64Array.from(p.latitude),
    longitude: Float64Array.from(p.longitude),
  };
}

export function unpackProperties(packed: PackedProperties): PricePaidProperties {
  const { count, text, lengths, values } = packed;
  let at = 0;
  let from = 0;
  const column = () => {
    const out: string[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const to = from + lengths[at++]!;
      out[i] = text.slice(from, to);
      from = to;
    }
    return out;
  };
  const sourceKey = column();
  const address = column();
  const postcode = column();
  const postcodeKey = column();
  const decode = (codes: Int32Array) => Array.from(codes, (code) => values[code]!);
  return {
    firstIndex: packed.firstIndex,
    sourceKey,
    address,
    postcode,
    postcodeKey,
    latitude: Array.from(packed.latitude),
    longitude: Array.from(packed.longitude),
    propertyType: decode(packed.typeCodes),
    attributes: decode(packed.attributeCodes),
  };
}

/** A sale that does not fit the fixed-width record (a transaction id over 40 bytes, a price of 10^12 or more). */
export interface OversizeSale {
  sourceKey: string;
  ref: number;
  saleDate: string;
  price: number;
  kind: number;
}

export interface PricePaidBatch {
  properties: PricePaidProperties;
  /** `count` records of SALE_RECORD bytes; distinct transaction ids, none of them in `deletions`. */
  sales: Buffer;
  count: number;
  /** Register index of each record's property (the writer turns it into the property id). */
  refs: Int32Array;
  oversize: OversizeSale[];
  deletions: string[];
  progress: { fingerprint: string; offset: number; line: number; done: boolean } | null;
}

export interface PricePaidBatchResult {
  /** How many of `deletions` existed. */
  deleted: number;
}

/** `value` as `width` decimal digits, zero-padded, at `offset` (value < 10^width). */
export function writeDigits(buf: Buffer, offset: number, width: number, value: number): void {
  for (let i = offset + width - 1; i >= offset; i--) {
    const q = Math.floor(value / 10);
    buf[i] = 48 + value - q * 10;
    value = q;
  }
}

function readDigits(buf: Buffer, offset: number, width: number): number {
  let value = 0;
  for (let i = offset; i < offset + width; i++) value = value * 10 + buf[i]! - 48;
  return value;
}

/** Writes each record's property id from its register index. */
export function fillPropertyIds(batch: PricePaidBatch, idOfIndex: ArrayLike<number>): void {
  const { sales, refs, count } = batch;
  for (let i = 0; i < count; i++) writeDigits(sales, i * SALE_RECORD + SALE_PROPERTY_AT, 10, idOfIndex[refs[i]!]!);
}

export interface DecodedSale {
  propertyId: number;
  sourceKey: string;
  saleDate: string;
  price: number;
  kind: number;
}

/** The batch's sales as rows (the PostgreSQL writer's form), once fillPropertyIds has run. */
export function decodeSales(batch: PricePaidBatch, idOfIndex: ArrayLike<number>): DecodedSale[] {
  const out: DecodedSale[] = [];
  const { sales } = batch;
  for (let i = 0; i < batch.count; i++) {
    const o = i * SALE_RECORD;
    const keyLength = readDigits(sales, o + SALE_KEY_LENGTH_AT, 2);
    out.push({
      propertyId: readDigits(sales, o + SALE_PROPERTY_AT, 10),
      sourceKey: sales.toString('utf8', o + SALE_KEY_AT, o + SALE_KEY_AT + keyLength),
      saleDate: sales.toString('latin1', o + SALE_DATE_AT, o + SALE_DATE_AT + 10),
      price: readDigits(sales, o + SALE_PRICE_AT, 12),
      kind: readDigits(sales, o + SALE_KIND_AT, 3),
    });
  }
  for (const s of batch.oversize) out.push({ propertyId: idOfIndex[s.ref]!, sourceKey: s.sourceKey, saleDate: s.saleDate, price: s.price, kind: s.kind });
  return out;
}
