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
  private slots: Int32Array; // entry number + 1, or 0 when free
  private hashes = new Uint32Array(1024);
  private starts = new Int32Array(1024);
  private lengths = new Int32Array(1024);
  private arena: Buffer = Buffer.alloc(1 << 16);
  private used = 0;
  size = 0;

  constructor(expected = 1024) {
    let capacity = 1024;
    while (capacity < expected * 2) capacity *= 2;
    this.slots = new Int32Array(capacity);
  }

  /** The entry number of the key, or -1. `hash` is hashBytes of the same ranges. */
  find(hash: number, buf: Buffer, s1: number, e1: number, s2: number, e2: number): number {
    const mask = this.slots.length - 1;
    const keyLength = e1 - s1 + 1 + e2 - s2;
    for (let at = hash & mask; ; at = (at + 1) & mask) {
      const slot = this.slots[at]!;
      if (slot === 0) return -1;
      const entry = slot - 1;
      if (this.hashes[entry] === hash && this.lengths[entry] === keyLength && this.same(this.starts[entry]!, buf, s1, e1, s2, e2)) return entry;
    }
  }

  /** Adds a key known to be absent; returns its entry number. */
  add(hash: number, buf: Buffer, s1: number, e1: number, s2: number, e2: number): number {
    if ((this.size + 1) * 2 > this.slots.length) this.grow();
    const entry = this.size++;
    if (entry >= this.hashes.length) {
      this.hashes = copyInto(this.hashes, new Uint32Array(this.hashes.length * 2));
      this.starts = copyInto(this.starts, new Int32Array(this.starts.length * 2));
      this.lengths = copyInto(this.lengths, new Int32Array(this.lengths.length * 2));
    }
    const keyLength = e1 - s1 + 1 + e2 - s2;
    if (this.used + keyLength > this.arena.length) {
      const bigger = Buffer.alloc(Math.max(this.arena.length * 2, this.used + keyLength));
      this.arena.copy(bigger, 0, 0, this.used);
      this.arena = bigger;
    }
    this.hashes[entry] = hash;
    this.starts[entry] = this.used;
    this.lengths[entry] = keyLength;
    // Keys are a few dozen bytes: a loop beats Buffer#copy's call into C++.
    const arena = this.arena;
    let p = this.used;
    for (let i = s1; i < e1; i++) arena[p++] = buf[i]!;
    arena[p++] = SEPARATOR;
    for (let i = s2; i < e2; i++) arena[p++] = buf[i]!;
    this.used = p;
    this.place(hash, entry);
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

  private place(hash: number, entry: number): void {
    const mask = this.slots.length - 1;
    let at = hash & mask;
    while (this.slots[at] !== 0) at = (at + 1) & mask;
    this.slots[at] = entry + 1;
  }

  private grow(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    for (let entry = 0; entry < this.size; entry++) this.place(this.hashes[entry]!, entry);
  }
}

function copyInto<T extends Int32Array | Uint32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
