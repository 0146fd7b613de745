// Resolves a caller's identification of a property to exactly one register entry, or says why not: none,
// or several (with the candidates to choose from). Never guesses between several.
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import {
  findPropertiesByAddress,
  findPropertiesByPostcode,
  findPropertiesByUprn,
  findPropertyById,
  type PropertyRow,
} from '../../store/repositories/properties.js';

export const MAX_CANDIDATES = 20;

export interface PropertyIdentification {
  property_id?: number | null;
  uprn?: string | number | null;
  postcode?: string | null;
  address?: string | null;
}

export interface PropertyCandidate {
  property_id: number;
  uprn: string | null;
  address: string | null;
  postcode: string | null;
}

export type PropertyMatch =
  | { kind: 'found'; property: PropertyRow }
  | { kind: 'none' }
  | { kind: 'several'; candidates: PropertyCandidate[] }
  | { kind: 'unidentified' };

/** Upper case without spaces: "m20 2tg" and "M202TG" are the same postcode. */
export function postcodeKey(postcode: string): string {
  return postcode.replace(/\s+/g, '').toUpperCase();
}

function toMatch(rows: PropertyRow[]): PropertyMatch {
  if (rows.length === 0) return { kind: 'none' };
  if (rows.length === 1) return { kind: 'found', property: rows[0]! };
  return {
    kind: 'several',
    candidates: rows.slice(0, MAX_CANDIDATES).map((r) => ({ property_id: r.id, uprn: r.uprn, address: r.address, postcode: r.postcode })),
  };
}

/** property_id wins, then uprn, then postcode (+ address), then an address alone. */
export async function findProperty(db: Kysely<Database>, id: PropertyIdentification): Promise<PropertyMatch> {
  if (id.property_id != null) {
    const row = await findPropertyById(db, id.property_id);
    return row ? { kind: 'found', property: row } : { kind: 'none' };
  }
  if (id.uprn != null && String(id.uprn).trim() !== '') {
    return toMatch(await findPropertiesByUprn(db, String(id.uprn).trim(), MAX_CANDIDATES + 1));
  }
  const address = id.address?.trim() || null;
  if (id.postcode != null && id.postcode.trim() !== '') {
    return toMatch(await findPropertiesByPostcode(db, postcodeKey(id.postcode), address, MAX_CANDIDATES + 1));
  }
  if (address) return toMatch(await findPropertiesByAddress(db, address, MAX_CANDIDATES + 1));
  return { kind: 'unidentified' };
}
