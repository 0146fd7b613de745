// A map from a byte key (two ranges of a buffer, as ByteKeyTable takes them) to a whole number, for the
// lookup the Price Paid reader makes on every row: a postcode + address as spelled → its register property.
// Its table is millions of keys that rows hit in no order, so each lookup's cost is its cache misses. Here a
// slot is one 64-byte cache line holding the value, the hash and the key's bytes, so a hit costs one miss
// (or two when probing crosses into the next line); ByteKeyTable's slot, entry and key bytes, and the
// caller's array of values, cost four. Keys longer than a slot holds go to a ByteKeyTable beside it.
import { ByteKeyTable } from './byte-key-table.js';

const SLOT_WORDS = 16;
const SLOT_BYTES = SLOT_WORDS * 4;
/** Words 0-2: value + 1 (0 when free), hash, key length; the key's bytes from byte 12. */
const KEY_AT = 12;
export const INLINE_KEY_BYTES = SLOT_BYTES - KEY_AT;
/** Between the two parts of a key, as in ByteKeyTable (a byte no text field of the file ends with). */
const SEPARATOR = 0xff;
const MAX_LOAD = 0.8;

export class InlineByteKeyMap {
  private words: Int32Array;
  private bytes: Uint8Array;
  private capacity: number;
  private inline = 0;
  private readonly overflow = new ByteKeyTable();
  private readonly overflowValues: number[] = [];

  constructor(expected = 1024) {
    this.capacity = Math.max(1024, Math.ceil(expected / MAX_LOAD));
    this.words = new Int32Array(this.capacity * SLOT_WORDS);
    this.bytes = new Uint8Array(this.words.buffer);
  }

  get size(): number {
    return this.inline + this.overflow.size;
  }

  /** The value of the key buf[s1, e1) + buf[s2, e2), or -1. `hash` is hashBytes of the same ranges. */
  get(hash: number, buf: Uint8Array, s1: number, e1: number, s2: number, e2: number): number {
    if (e1 - s1 + 1 + e2 - s2 > INLINE_KEY_BYTES) {
      const entry = this.overflow.find(hash, buf as Buffer, s1, e1, s2, e2);
      return entry < 0 ? -1 : this.overflowValues[entry]!;
    }
    const w = this.slotOf(hash, buf, s1, e1, s2, e2);
    return w < 0 ? -1 : this.words[w]! - 1;
  }

  /** Maps a key already in the map to another value (0 or more). */
  replace(hash: number, buf: Uint8Array, s1: number, e1: number, s2: number, e2: number, value: number): void {
    if (e1 - s1 + 1 + e2 - s2 > INLINE_KEY_BYTES) {
      const entry = this.overflow.find(hash, buf as Buffer, s1, e1, s2, e2);
      if (entry < 0) throw new Error('InlineByteKeyMap.replace: the key is not in the map');
      this.overflowValues[entry] = value;
      return;
    }
    const w = this.slotOf(hash, buf, s1, e1, s2, e2);
    if (w < 0) throw new Error('InlineByteKeyMap.replace: the key is not in the map');
    this.words[w] = value + 1;
  }

  /** The first word of the key's slot, or -1 (a key of at most INLINE_KEY_BYTES). */
  private slotOf(hash: number, buf: Uint8Array, s1: number, e1: number, s2: number, e2: number): number {
    const length = e1 - s1 + 1 + e2 - s2;
    const { words, bytes, capacity } = this;
    const h = hash | 0;
    for (let at = home(hash, capacity); ; at = at + 1 === capacity ? 0 : at + 1) {
      const w = at * SLOT_WORDS;
      if (words[w] === 0) return -1;
      if (words[w + 1] !== h || words[w + 2] !== length) continue;
      let p = w * 4 + KEY_AT;
      let same = true;
      for (let i = s1; i < e1 && same; i++) same = bytes[p++] === buf[i];
      if (same && bytes[p++] !== SEPARATOR) same = false;
      for (let i = s2; i < e2 && same; i++) same = bytes[p++] === buf[i];
      if (same) return w;
    }
  }

  /** Maps a key known to be absent to `value` (0 or more). */
  set(hash: number, buf: Uint8Array, s1: number, e1: number, s2: number, e2: number, value: number): void {
    const length = e1 - s1 + 1 + e2 - s2;
    if (length > INLINE_KEY_BYTES) {
      this.overflowValues[this.overflow.add(hash, buf as Buffer, s1, e1, s2, e2)] = value;
      return;
    }
    if (this.inline + 1 > this.capacity * MAX_LOAD) this.grow();
    const w = this.free(hash) * SLOT_WORDS;
    const { words, bytes } = this;
    words[w] = value + 1;
    words[w + 1] = hash | 0;
    words[w + 2] = length;
    let p = w * 4 + KEY_AT;
    for (let i = s1; i < e1; i++) bytes[p++] = buf[i]!;
    bytes[p++] = SEPARATOR;
    for (let i = s2; i < e2; i++) bytes[p++] = buf[i]!;
    this.inline++;
  }

  private free(hash: number): number {
    const { words, capacity } = this;
    let at = home(hash, capacity);
    while (words[at * SLOT_WORDS] !== 0) at = at + 1 === capacity ? 0 : at + 1;
    return at;
  }

  private grow(): void {
    const old = this.words;
    this.capacity = Math.ceil(this.capacity * 1.5);
    this.words = new Int32Array(this.capacity * SLOT_WORDS);
    this.bytes = new Uint8Array(this.words.buffer);
    for (let w = 0; w < old.length; w += SLOT_WORDS) {
      if (old[w] === 0) continue;
      const to = this.free(old[w + 1]! >>> 0) * SLOT_WORDS;
      this.words.set(old.subarray(w, w + SLOT_WORDS), to);
    }
  }
}

/** The slot a hash starts probing at: the hash scaled to the capacity (any capacity, not only powers of two). */
function home(hash: number, capacity: number): number {
  // min: at capacities past 2^21 the product is rounded, and could round up to the capacity itself.
  return Math.min(capacity - 1, Math.floor(((hash >>> 0) * capacity) / 4294967296));
}
