// The Price Paid reader's register index: each postcode's properties grouped by the first token of their
// address keys. An address equal to a key, or continuing one (written at another length), shares that key's
// first token, so its group holds every candidate: one lookup finds a property or shows it is new.
//
// Every new spelling in a file looks its group up, in no order, among millions: a map of strings cost one
// cache miss after another (the map, its table, the entry, the key string; about 1 µs a lookup at 5 million
// rows, in one map of postcode + token or in a small map per postcode alike). Here the postcode and token are
// written as bytes and found in an InlineByteKeyMap, one cache line a lookup.
import { hashBytes } from './byte-key-table.js';
import { InlineByteKeyMap } from './inline-byte-key-map.js';

export class RegisterGroups {
  private readonly map: InlineByteKeyMap;
  // A group of one (most of them) is its register index alone in the map (value index × 2); a larger group is
  // a list here (value position × 2 + 1).
  private readonly lists: number[][] = [];
  private key = Buffer.alloc(128);
  private postcodeEnd = 0;
  private keyEnd = 0;
  private hash = 0;
  // The last key looked up and what the map held for it: a new address's group is looked up, then added to
  // (propertyOf), and the second call reuses the first's bytes, hash and lookup.
  private lastPostcode: string | null = null;
  private lastToken = '';
  private lastValue = -1;

  constructor(expected: number) {
    this.map = new InlineByteKeyMap(expected);
  }

  /** The register indices of a postcode key's group for `token`: one index, several, or undefined. */
  get(pcKey: string, token: string): number | readonly number[] | undefined {
    const value = this.lookUp(pcKey, token);
    if (value < 0) return undefined;
    return value & 1 ? this.lists[value >> 1]! : value >> 1;
  }

  /** Adds a register index to the group of a postcode key and token. */
  add(pcKey: string, token: string, index: number): void {
    const value = this.lookUp(pcKey, token);
    const { key, hash, postcodeEnd, keyEnd } = this;
    if (value < 0) this.map.set(hash, key, 0, postcodeEnd, postcodeEnd, keyEnd, (this.lastValue = index * 2));
    else if (value & 1) this.lists[value >> 1]!.push(index);
    else this.map.replace(hash, key, 0, postcodeEnd, postcodeEnd, keyEnd, (this.lastValue = (this.lists.push([value >> 1, index]) - 1) * 2 + 1));
  }

  /** What the map holds for the key (-1: nothing), its bytes and hash set up for a change. */
  private lookUp(pcKey: string, token: string): number {
    if (pcKey === this.lastPostcode && token === this.lastToken) return this.lastValue;
    this.setKey(pcKey, token);
    this.lastPostcode = pcKey;
    this.lastToken = token;
    this.lastValue = this.map.get(this.hash, this.key, 0, this.postcodeEnd, this.postcodeEnd, this.keyEnd);
    return this.lastValue;
  }

  /** The key's bytes (postcode key, then token; both one-byte text) and hash. */
  private setKey(pcKey: string, token: string): void {
    const length = pcKey.length + token.length;
    if (length > this.key.length) this.key = Buffer.alloc(length * 2);
    const key = this.key;
    let p = 0;
    for (let i = 0; i < pcKey.length; i++) key[p++] = pcKey.charCodeAt(i);
    this.postcodeEnd = p;
    for (let i = 0; i < token.length; i++) key[p++] = token.charCodeAt(i);
    this.keyEnd = p;
    this.hash = hashBytes(key, 0, this.postcodeEnd, this.postcodeEnd, p);
  }
}
