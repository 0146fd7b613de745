// Turns Price Paid records (field offsets into the file's bytes, price-paid-records.ts) into batches for the
// writer: each record checked, its postcode placed, its address linked to a register property (a new one
// when none matches), and the sale encoded as a fixed-width record (price-paid-batch.ts). It holds no
// database handle, so it runs in the reading worker (price-paid-worker.ts) while the main thread writes.
//
// Repeat sales are the bulk of a file: a postcode + address spelled as before is found by hashing its bytes
// where they lie (inline-byte-key-map.ts) and goes straight to its property; only a new spelling is normalised.
// The transaction id, date and price are copied or written into the record without a string being made.
import {
  SALE_DATE_AT,
  SALE_KEY_AT,
  SALE_KEY_LENGTH_AT,
  SALE_KEY_WIDTH,
  SALE_KIND_AT,
  SALE_PRICE_AT,
  SALE_PRICE_LIMIT,
  SALE_RECORD,
  writeDigits,
  type OversizeSale,
  type PricePaidBatch,
  type PricePaidProperties,
} from '../../store/repositories/price-paid-batch.js';
import { formatPostcode, formatPpdAddress, matchAddress, memoTitleCase, postcodeKey, ppdAddressKey } from './address.js';
import { ByteKeyTable, hashBytes } from './byte-key-table.js';
import { InlineByteKeyMap } from './inline-byte-key-map.js';
import { RegisterGroups } from './register-groups.js';
import { fieldText, latin1, type RecordFields } from './price-paid-records.js';
import { typeFromPpdCode, type UkPropertyType } from './uk-fields.js';

export const PPD_FIELDS = 16;

export interface Rejection {
  line: number;
  reason: string;
}

export const TYPE_CODES = 'DSTFO';
export const TYPES: readonly UkPropertyType[] = [...TYPE_CODES].map((c) => typeFromPpdCode(c)!);
export const TENURES = ['Freehold', 'Leasehold', null] as const;
const JSON_TYPES = TYPES.map((t) => JSON.stringify(t));
const JSON_TENURES = TENURES.map((t) => JSON.stringify(t));

/** What the batcher has counted so far (cumulative over the file). */
export interface BatcherCounts {
  records: number;
  rejected: number;
  blankLines: number;
  categoryB: number;
  superseded: number;
  /** Sales handed to the writer by status: A and C records (the last of an id in a batch). */
  added: number;
  changed: number;
  /** Per TYPES entry, the sales of that type. */
  typeCounts: number[];
}

interface Place {
  postcode: string;
  pcKey: string;
  centroid: [number, number];
  /** Addresses of this postcode spelled with quotes or non-ASCII text → register index; -1: no address key. */
  spelled: Map<string, number>;
}

const STATUS_A = 65;
const STATUS_C = 67;
const STATUS_D = 68;
const ALIVE = 0;
const SUPERSEDED = 1;
const OVERSIZE = 2;

function firstToken(key: string): string {
  const space = key.indexOf(' ');
  return space === -1 ? key : key.slice(0, space);
}

/** Beyond this many district + county spellings (a malformed file), attributes are made for each property. */
const MAX_AREAS = 100_000;

/**
 * The text JSON.stringify makes of { property_type, tenure, location_precision, district, county }; `slot` is
 * type index × 3 + tenure index, district and county are JSON already.
 */
function attributesText(slot: number, district: string, county: string): string {
  const type = JSON_TYPES[Math.floor(slot / TENURES.length)]!;
  const tenure = JSON_TENURES[slot % TENURES.length]!;
  return `{"property_type":${type},"tenure":${tenure},"location_precision":"postcode","district":${district},"county":${county}}`;
}

/** A record's district and county (fields 13 and 14) as JSON, null when empty. */
function areaJson(f: RecordFields): [string, string] {
  return [JSON.stringify(fieldText(f, 12) || null), JSON.stringify(fieldText(f, 13) || null)];
}

function emptyProperties(firstIndex: number): PricePaidProperties {
  return { firstIndex, sourceKey: [], address: [], postcode: [], postcodeKey: [], latitude: [], longitude: [], propertyType: [], attributes: [] };
}

export class PricePaidBatcher {
  readonly counts: BatcherCounts = { records: 0, rejected: 0, blankLines: 0, categoryB: 0, superseded: 0, added: 0, changed: 0, typeCounts: TYPES.map(() => 0) };
  /** Rejections not yet taken (takeRejections). */
  private rejections: Rejection[] = [];
  /** Records (rejected ones included) since the last batch was taken. */
  rowsInBatch = 0;

  private readonly places = new Map<string, Place | string>();
  private readonly placeBytes = new ByteKeyTable(1 << 16);
  private readonly placeOfBytes: Array<Place | string> = [];
  // The register as the importer sees it: each postcode's properties grouped by the first token of their
  // address keys (register-groups.ts), with each index's address key (a second map of every full key cost a
  // lookup and an insert per new property on a map of millions of entries, measured).
  private readonly groups: RegisterGroups;
  // A group of one (most of them) is its index alone: an array per property was most of the import's garbage.
  private readonly addressKeyOf: string[] = [];
  private nextIndex: number;
  // Each postcode + address as spelled in plain quoted fields (nearly every record) → register index + 1, or
  // 0 when it has no address key.
  private readonly spellings: InlineByteKeyMap;
  private readonly title = memoTitleCase();
  // Each district + county as spelled in plain fields (a few hundred in a national file) → the new properties'
  // attributes text by type and tenure, each made once (a string made per property, and two map lookups by
  // fresh strings, were a fifth of the time spent on a new property, measured).
  private readonly areas = new ByteKeyTable(1024);
  private readonly areaJson: Array<[string, string]> = [];
  private readonly areaAttributes: string[][] = [];

  // The batch being filled. Within a batch the last record of a transaction id wins: batchIds numbers the
  // ids, batchIdEntry holds the id's entry (-1 for a deletion).
  private readonly batchIds: ByteKeyTable;
  private batchIdEntry: number[] = [];
  private properties: PricePaidProperties;
  private records: Buffer;
  private refs: Int32Array;
  private state: Uint8Array;
  private changedStatus: Uint8Array;
  private entries = 0;
  private oversize = new Map<number, OversizeSale>();
  private deletions: string[] = [];

  constructor(
    private readonly centroids: Map<string, [number, number]>,
    registerKeys: readonly string[],
    private readonly batchSize: number,
    private readonly fingerprint: string,
    /** Rows the file is expected to hold (from its size): its spellings' table is made to fit a third of them. */
    expectedRows = 0,
  ) {
    // Grown as it fills otherwise, moving every spelling each time (0.6 s of 16 at 5 million rows, measured).
    this.spellings = new InlineByteKeyMap(Math.max(1 << 16, Math.ceil(expectedRows / 3)));
    this.groups = new RegisterGroups(Math.max(1 << 16, registerKeys.length + Math.ceil(expectedRows / 3)));
    registerKeys.forEach((key, index) => {
      const sep = key.indexOf(':');
      if (sep > 0) this.remember(key.slice(0, sep), key.slice(sep + 1), index);
    });
    this.nextIndex = registerKeys.length;
    this.batchIds = new ByteKeyTable(batchSize);
    this.properties = emptyProperties(this.nextIndex);
    const capacity = Math.min(batchSize, 1 << 16) + 1;
    this.records = Buffer.from(new ArrayBuffer(capacity * SALE_RECORD));
    this.refs = new Int32Array(capacity);
    this.state = new Uint8Array(capacity);
    this.changedStatus = new Uint8Array(capacity);
  }

  blank(): void {
    this.counts.blankLines++;
  }

  invalid(line: number, reason: string): void {
    this.counts.records++;
    this.reject(line, reason);
  }

  takeRejections(): Rejection[] {
    const out = this.rejections;
    this.rejections = [];
    return out;
  }

  /**
   * The batch filled so far, its records compacted (superseded ones dropped, oversize ones moved out);
   * its buffers belong to the caller (they are transferred to the writing thread). `offset` and `line`
   * are where the file has been read to.
   */
  takeBatch(offset: number, line: number, done: boolean): PricePaidBatch {
    let count = 0;
    const oversize: OversizeSale[] = [];
    const { records, refs, state } = this;
    for (let e = 0; e < this.entries; e++) {
      const s = state[e]!;
      if (s === SUPERSEDED) continue;
      if (this.changedStatus[e]) this.counts.changed++;
      else this.counts.added++;
      if (s === OVERSIZE) {
        oversize.push(this.oversize.get(e)!);
        continue;
      }
      if (count !== e) {
        records.copyWithin(count * SALE_RECORD, e * SALE_RECORD, (e + 1) * SALE_RECORD);
        refs[count] = refs[e]!;
      }
      count++;
    }
    const batch: PricePaidBatch = {
      properties: this.properties,
      sales: records,
      count,
      refs,
      oversize,
      deletions: this.deletions,
      progress: { fingerprint: this.fingerprint, offset, line, done },
    };
    const capacity = Math.max(1024, Math.min(this.batchSize, this.entries) + 1);
    this.records = Buffer.from(new ArrayBuffer(capacity * SALE_RECORD));
    this.refs = new Int32Array(capacity);
    this.state = new Uint8Array(capacity);
    this.changedStatus = new Uint8Array(capacity);
    this.entries = 0;
    this.oversize = new Map();
    this.deletions = [];
    this.properties = emptyProperties(this.nextIndex);
    this.batchIds.clear();
    this.batchIdEntry = [];
    this.rowsInBatch = 0;
    return batch;
  }

  private reject(line: number, reason: string): void {
    this.counts.rejected++;
    this.rejections.push({ line, reason });
  }

  private remember(pc: string, key: string, index: number): void {
    this.addressKeyOf[index] = key;
    this.groups.add(pc, firstToken(key), index);
  }

  /**
   * The register index of the property whose key equals `key`, else of the single one that `key` continues or
   * is continued by (matchAddressKey's rule); -1 when there is none (several candidates are not a match).
   */
  private findInGroup(group: number | readonly number[], key: string): number {
    return matchAddress(key, typeof group === 'number' ? [group] : group, (index) => this.addressKeyOf[index]!) ?? -1;
  }

  // Postcodes repeat all through a file: each is parsed, keyed and located once, and a plain field (nearly
  // every one) is found by its bytes without a string being made.
  private placeOf(f: RecordFields): Place | string {
    if (f.flags[3] === 0) {
      const { buf } = f;
      const s = f.starts[3]!;
      const e = f.ends[3]!;
      const hash = hashBytes(buf, s, e, 0, 0);
      const known = this.placeBytes.find(hash, buf, s, e, 0, 0);
      if (known >= 0) return this.placeOfBytes[known]!;
      const place = this.locate(latin1(buf, s, e));
      this.placeOfBytes[this.placeBytes.add(hash, buf, s, e, 0, 0)] = place;
      return place;
    }
    const raw = fieldText(f, 3);
    let place = this.places.get(raw);
    if (place === undefined) {
      place = this.locate(raw);
      this.places.set(raw, place);
    }
    return place;
  }

  private locate(raw: string): Place | string {
    if (!raw.trim()) return 'postcode (field 4) is empty: the sale cannot be placed';
    const postcode = formatPostcode(raw);
    if (!postcode) return `postcode (field 4) is not a UK postcode: "${raw}"`;
    const pcKey = postcodeKey(postcode);
    const centroid = this.centroids.get(pcKey);
    if (!centroid) return `postcode ${postcode} (field 4) has no coordinates: import its postcode file (valora uk import-postcodes) and run this import again`;
    return { postcode, pcKey, centroid, spelled: new Map() };
  }

  /** The register index of an address not seen before in this spelling; -1 when it has no address key. */
  private propertyOf(place: Place, f: RecordFields, typeIndex: number, tenureIndex: number): number {
    const paon = fieldText(f, 7);
    const saon = fieldText(f, 8);
    const street = fieldText(f, 9);
    const addressKey = ppdAddressKey(saon, paon, street);
    if (!addressKey) return -1;
    const { pcKey } = place;
    const token = firstToken(addressKey);
    const group = this.groups.get(pcKey, token);
    if (group !== undefined) {
      const known = this.findInGroup(group, addressKey);
      if (known >= 0) return known;
    }
    const type = TYPES[typeIndex]!;
    const index = this.nextIndex++;
    this.addressKeyOf[index] = addressKey;
    this.groups.add(pcKey, token, index);
    const p = this.properties;
    p.sourceKey.push(`${pcKey}:${addressKey}`);
    p.address.push(formatPpdAddress({ saon, paon, street, locality: fieldText(f, 10), town: fieldText(f, 11) }, this.title));
    p.postcode.push(place.postcode);
    p.postcodeKey.push(pcKey);
    p.latitude.push(place.centroid[0]);
    p.longitude.push(place.centroid[1]);
    p.propertyType.push(type);
    p.attributes.push(this.attributesOf(f, typeIndex, tenureIndex));
    return index;
  }

  /** A new property's attributes text, from its record's type, tenure, district and county. */
  private attributesOf(f: RecordFields, typeIndex: number, tenureIndex: number): string {
    const slot = typeIndex * TENURES.length + tenureIndex;
    if (f.flags[12] !== 0 || f.flags[13] !== 0 || this.areas.size >= MAX_AREAS) return attributesText(slot, ...areaJson(f));
    const { buf, starts, ends } = f;
    const hash = hashBytes(buf, starts[12]!, ends[12]!, starts[13]!, ends[13]!);
    let area = this.areas.find(hash, buf, starts[12]!, ends[12]!, starts[13]!, ends[13]!);
    if (area < 0) {
      area = this.areas.add(hash, buf, starts[12]!, ends[12]!, starts[13]!, ends[13]!);
      this.areaJson[area] = areaJson(f);
      this.areaAttributes[area] = [];
    }
    const [district, county] = this.areaJson[area]!;
    return (this.areaAttributes[area]![slot] ??= attributesText(slot, district, county));
  }

  private grow(): void {
    const capacity = this.state.length * 2;
    const records = Buffer.from(new ArrayBuffer(capacity * SALE_RECORD));
    this.records.copy(records, 0, 0, this.entries * SALE_RECORD);
    this.records = records;
    const refs = new Int32Array(capacity);
    refs.set(this.refs);
    this.refs = refs;
    const state = new Uint8Array(capacity);
    state.set(this.state);
    this.state = state;
    const changedStatus = new Uint8Array(capacity);
    changedStatus.set(this.changedStatus);
    this.changedStatus = changedStatus;
  }

  record(f: RecordFields, n: number, line: number): void {
    this.counts.records++;
    this.rowsInBatch++;
    if (n !== PPD_FIELDS) return this.reject(line, `expected ${PPD_FIELDS} fields, found ${n}`);
    const { buf, starts, ends } = f;
    // The id's bytes: where they lie when the field is its plain upper-case form, else encoded.
    const rawId = plainTransactionId(f);
    const idText = rawId ? null : transactionId(f);
    if (idText === '') return this.reject(line, 'transaction id (field 1) is empty');
    const idBuf = rawId ? buf : Buffer.from(idText!);
    const idStart = rawId ? starts[0]! + 1 : 0;
    const idEnd = rawId ? ends[0]! - 1 : idBuf.length;
    const idHash = hashBytes(idBuf, idStart, idEnd, 0, 0);
    const idEntry = this.batchIds.find(idHash, idBuf, idStart, idEnd, 0, 0);
    const prior = idEntry < 0 ? undefined : this.batchIdEntry[idEntry]!;
    const status = recordStatus(f);
    if (status === STATUS_D) {
      if (prior !== undefined) this.counts.superseded++;
      if (prior !== undefined && prior >= 0) this.drop(prior);
      if (prior !== -1) this.deletions.push(idText ?? latin1(buf, idStart, idEnd));
      if (idEntry < 0) this.batchIdEntry[this.batchIds.add(idHash, idBuf, idStart, idEnd, 0, 0)] = -1;
      else this.batchIdEntry[idEntry] = -1;
      return;
    }
    if (status === 0) return this.reject(line, `record status (field 16) must be A, C or D, not "${fieldText(f, 15)}"`);
    const price = wholeNumber(f, 1);
    if (price <= 0) return this.reject(line, `price (field 2) is not a positive whole number: "${fieldText(f, 1)}"`);
    if (!isIsoDay(f, 2)) return this.reject(line, `date of transfer (field 3) is not YYYY-MM-DD: "${fieldText(f, 2)}"`);

    // The same postcode and address spelled as before (every repeat sale) is a known, placed property.
    const plainAddress = f.flags[3] === 0 && plainQuoted(f, 7) && plainQuoted(f, 8) && plainQuoted(f, 9);
    const spellingHash = plainAddress ? hashBytes(buf, starts[3]!, ends[3]!, starts[7]!, ends[9]!) : 0;
    const spelling = plainAddress ? this.spellings.get(spellingHash, buf, starts[3]!, ends[3]!, starts[7]!, ends[9]!) : -1;
    let place: Place | null = null;
    if (spelling < 0) {
      const located = this.placeOf(f);
      if (typeof located === 'string') return this.reject(line, located);
      place = located;
    }
    const typeIndex = letterIndex(f, 4, TYPE_CODES);
    if (typeIndex < 0) return this.reject(line, `property type (field 5) must be D, S, T, F or O, not "${fieldText(f, 4)}"`);
    const newBuild = letterIndex(f, 5, 'NY');
    if (newBuild < 0) return this.reject(line, `old/new (field 6) must be Y or N, not "${fieldText(f, 5)}"`);
    // Duration U (unknown) and an empty duration both leave tenure unknown.
    const tenureIndex = ends[6] === starts[6] ? 2 : letterIndex(f, 6, 'FLU');
    if (tenureIndex < 0) return this.reject(line, `duration (field 7) must be F, L or U, not "${fieldText(f, 6)}"`);
    const category = letterIndex(f, 14, 'AB');
    if (category < 0) return this.reject(line, `PPD category (field 15) must be A or B, not "${fieldText(f, 14)}"`);

    let ref: number;
    if (spelling >= 0) ref = spelling - 1;
    else if (plainAddress) {
      ref = this.propertyOf(place!, f, typeIndex, tenureIndex);
      this.spellings.set(spellingHash, buf, starts[3]!, ends[3]!, starts[7]!, ends[9]!, ref + 1);
    } else {
      const key = `${fieldText(f, 7)}\u0000${fieldText(f, 8)}\u0000${fieldText(f, 9)}`;
      const known = place!.spelled.get(key);
      if (known !== undefined) ref = known;
      else {
        ref = this.propertyOf(place!, f, typeIndex, tenureIndex);
        place!.spelled.set(key, ref);
      }
    }
    if (ref < 0) return this.reject(line, 'PAON, SAON and street (fields 8-10) are all empty: the sale cannot be linked to a property');

    if (category === 1) this.counts.categoryB++;
    this.counts.typeCounts[typeIndex]!++;
    if (prior !== undefined) this.counts.superseded++;
    if (prior !== undefined && prior >= 0) this.drop(prior); // replaced by this later record
    else if (prior === -1) {
      const id = idText ?? latin1(buf, idStart, idEnd);
      this.deletions = this.deletions.filter((d) => d !== id);
    }

    if (this.entries === this.state.length) this.grow();
    const e = this.entries++;
    if (idEntry < 0) this.batchIdEntry[this.batchIds.add(idHash, idBuf, idStart, idEnd, 0, 0)] = e;
    else this.batchIdEntry[idEntry] = e;
    this.refs[e] = ref;
    this.changedStatus[e] = status === STATUS_C ? 1 : 0;
    const kind = typeIndex * 12 + tenureIndex * 4 + newBuild * 2 + category;
    const records = this.records;
    const o = e * SALE_RECORD;
    const keyLength = idEnd - idStart;
    if (keyLength > SALE_KEY_WIDTH || price >= SALE_PRICE_LIMIT) {
      this.state[e] = OVERSIZE;
      this.oversize.set(e, { sourceKey: idText ?? latin1(buf, idStart, idEnd), ref, saleDate: latin1(buf, starts[2]!, starts[2]! + 10), price, kind });
      return;
    }
    this.state[e] = ALIVE;
    // Ids, dates and the digits are a few dozen bytes: loops beat Buffer#copy's call into C++.
    let p = o + SALE_KEY_AT;
    for (let i = idStart; i < idEnd; i++) records[p++] = idBuf[i]!;
    writeDigits(records, o + SALE_KEY_LENGTH_AT, 2, keyLength);
    const d = starts[2]!;
    for (let i = 0; i < 10; i++) records[o + SALE_DATE_AT + i] = buf[d + i]!;
    writeDigits(records, o + SALE_PRICE_AT, 12, price);
    writeDigits(records, o + SALE_KIND_AT, 3, kind);
  }

  private drop(entry: number): void {
    this.state[entry] = SUPERSEDED;
  }
}

/** Field 16 as A, C or D (its character code), 0 when it is something else. */
function recordStatus(f: RecordFields): number {
  const s = f.starts[15]!;
  if (f.ends[15]! - s === 1) {
    const c = f.buf[s]! & 0xdf; // upper case
    return c === STATUS_A || c === STATUS_C || c === STATUS_D ? c : 0;
  }
  const text = fieldText(f, 15).trim().toUpperCase();
  return text === 'A' ? STATUS_A : text === 'C' ? STATUS_C : text === 'D' ? STATUS_D : 0;
}

/** Whether field 1 is "{…}" of plain bytes with no lower-case letter: the id is then its bytes between the braces. */
function plainTransactionId(f: RecordFields): boolean {
  const { buf } = f;
  const s = f.starts[0]!;
  const e = f.ends[0]!;
  if (f.flags[0] !== 0 || e - s <= 2 || buf[s] !== 123 || buf[e - 1] !== 125) return false;
  for (let i = s + 1; i < e - 1; i++) {
    const c = buf[i]!;
    if (c >= 97 && c <= 122) return false;
  }
  return true;
}

/** The transaction id without its braces, upper case ('' when empty). */
function transactionId(f: RecordFields): string {
  const raw = fieldText(f, 0);
  return (raw.startsWith('{') && raw.endsWith('}') ? raw.slice(1, -1) : raw.replace(/^\{|\}$/g, '').trim()).toUpperCase();
}

/** A field of digits as its value; else the number it reads as when that is a whole number; else 0. */
function wholeNumber(f: RecordFields, i: number): number {
  const { buf } = f;
  const s = f.starts[i]!;
  const e = f.ends[i]!;
  if (e > s && e - s <= 15) {
    let value = 0;
    let p = s;
    for (; p < e; p++) {
      const d = buf[p]! - 48;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
    }
    if (p === e) return value;
  }
  const text = fieldText(f, i);
  const value = Number(text);
  return text && Number.isInteger(value) ? value : 0;
}

/**
 * Whether a date field starts with YYYY-MM-DD (the sale date is those ten bytes). Only the shape is checked,
 * as the file's documentation promises real dates.
 */
function isIsoDay(f: RecordFields, i: number): boolean {
  const { buf } = f;
  const s = f.starts[i]!;
  if (f.ends[i]! - s < 10 || buf[s + 4] !== 45 || buf[s + 7] !== 45) return false;
  for (const p of DATE_DIGITS) {
    const d = buf[s + p]! - 48;
    if (d < 0 || d > 9) return false;
  }
  return true;
}

const DATE_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9];

/** Index in `letters` of a one-letter field, either case; -1 when it is anything else. */
function letterIndex(f: RecordFields, i: number, letters: string): number {
  const s = f.starts[i]!;
  if (f.ends[i]! - s !== 1) return -1;
  let c = f.buf[s]!;
  if (c >= 97 && c <= 122) c -= 32;
  for (let k = 0; k < letters.length; k++) if (letters.charCodeAt(k) === c) return k;
  return -1;
}

/** A quoted field with neither escaped quotes nor non-ASCII bytes (its raw bytes are its text). */
function plainQuoted(f: RecordFields, i: number): boolean {
  return f.flags[i] === 0 && f.buf[f.starts[i]! - 1] === 34;
}
