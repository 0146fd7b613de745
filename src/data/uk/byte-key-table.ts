// An open-addressing hash table keyed by raw bytes, for the Price Paid import's per-row lookups (an
// address as spelled in its postcode; a transaction id within a batch). Making a string of each key and
// looking it up in a Map cost more than the rest of the import's JavaScript together (measured: about a
// microsecond a row each); hashing the bytes where they lie and comparing them only on a hash match does not
// allocate at all.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 16777619;
/** Between the two parts of a key: a byte no text field of the file ends with. */
const SEPARATOR = 0xff;

/** FNV-1a of buf[s1, e1) + SEPARATOR + buf[s2, e2). */
export function hashBytes(buf: Buffer, s1: number, e1: number, s2: number, e2: number): number {
  let h = FNV_OFFSET;
  for (let i = s1; i < e1; i++) h = Math.imul(h ^ buf[i]!, FNV_PRIME);
  h = Math.imul(h ^ SEPARATOR, FNV_PRIME);
  for (let i = s2; i < e2; i++) h = Math.imul(h ^ buf[i]!, FNV_PRIME);
  return h >>> 0;
}

/**
 * Keys made of two byte ranges, each stored once, numbered 0, 1, … in the order added. The caller keeps
 * what a key maps to in its own arrays, by that number.
 */
export class ByteKeyTable {
  // Each slot is two numbers: entry number + 1 (0 when free) and the key's hash, so a probe reads one
  // place; each entry is two: where its bytes start in the arena and how many. A lookup then touches the
  // slot, the entry and the bytes (three arrays of hashes, starts and lengths cost a cache miss each on a
  // table of millions of keys, measured).
  private slots: Int32Array;
  private entries = new Int32Array(2048);
  private arena: Buffer = Buffer.alloc(1 << 16);
  private used = 0;
  size = 0;

  constructor(expected = 1024) {
    let capacity = 1024;
    while (capacity < expected * 2) capacity *= 2;
    this.slots = new Int32Array(capacity * 2);
  }

  /** The entry number of the key, or -1. `hash` is hashBytes of the same ranges. */
  find(hash: number, buf: Buffer, s1: number, e1: number, s2: number, e2: number): number {
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    const keyLength = e1 - s1 + 1 + e2 - s2;
    const h = hash | 0;
    for (let at = hash & mask; ; at = (at + 1) & mask) {
      const slot = slots[at * 2]!;
      if (slot === 0) return -1;
      if (slots[at * 2 + 1] !== h) continue;
      const entry = slot - 1;
      if (this.entries[entry * 2 + 1] === keyLength && this.same(this.entries[entry * 2]!, buf, s1, e1, s2, e2)) return entry;
    }
  }

  /** Adds a key known to be absent; returns its entry number. */
  add(hash: number, buf: Buffer, s1: number, e1: number, s2: number, e2: number): number {
    if ((this.size + 1) * 4 > this.slots.length) this.grow();
    const entry = this.size++;
    if (entry * 2 >= this.entries.length) {
      const entries = new Int32Array(this.entries.length * 2);
      entries.set(this.entries);
      this.entries = entries;
    }
    const keyLength = e1 - s1 + 1 + e2 - s2;
    if (this.used + keyLength > this.arena.length) {
      const bigger = Buffer.alloc(Math.max(this.arena.length * 2, this.used + keyLength));
      this.arena.copy(bigger, 0, 0, this.used);
      this.arena = bigger;
    }
    this.entries[entry * 2] = this.used;
    this.entries[entry * 2 + 1] = keyLength;
    // Keys are a few dozen bytes: a loop beats Buffer#copy's call into C++.
    const arena = this.arena;
    let p = this.used;
    for (let i = s1; i < e1; i++) arena[p++] = buf[i]!;
    arena[p++] = SEPARATOR;
    for (let i = s2; i < e2; i++) arena[p++] = buf[i]!;
    this.used = p;
    this.place(this.slots, hash | 0, entry);
    return entry;
  }

  /** Forgets every key, keeping the memory. */
  clear(): void {
    this.slots.fill(0);
    this.size = 0;
    this.used = 0;
  }

  private same(start: number, buf: Buffer, s1: number, e1: number, s2: number, e2: number): boolean {
    const arena = this.arena;
    let p = start;
    for (let i = s1; i < e1; i++) if (arena[p++] !== buf[i]) return false;
    if (arena[p++] !== SEPARATOR) return false;
    for (let i = s2; i < e2; i++) if (arena[p++] !== buf[i]) return false;
    return true;
  }

  private place(slots: Int32Array, hash: number, entry: number): void {
    const mask = (slots.length >> 1) - 1;
    let at = hash & mask;
    while (slots[at * 2] !== 0) at = (at + 1) & mask;
    slots[at * 2] = entry + 1;
    slots[at * 2 + 1] = hash;
  }

  private grow(): void {
    const old = this.slots;
    const slots = new Int32Array(old.length * 2);
    for (let at = 0; at < old.length; at += 2) if (old[at] !== 0) this.place(slots, old[at + 1]!, old[at]! - 1);
    this.slots = slots;
  }
}
