import type { Comparable, MarketConfig } from '../../engine/types.js';
import { findAddresses } from '../../store/repositories/properties.js';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { formatDay } from '../../engine/calendar.js';
import { propertyTypeCode, squareMetres } from './presentation.js';

export interface PresentedComparable {
  address: string | null;
  postcode: string | null;
  property_id: number | null;
  distance_m: number;
  sale_date: string;
  sale_price: number;
  adjusted_price: number;
  property_type: string | null;
  floor_area_sqm: number | null;
  /** In the market's own unit (sqft or sqm). */
  floor_area: number | null;
  similarity: number;
}

/** The engine's comparables with their addresses from the register, areas in square metres. */
export async function presentComparables(db: Kysely<Database>, comparables: Comparable[], config: MarketConfig): Promise<PresentedComparable[]> {
  if (comparables.length === 0) return [];
  const addresses = await findAddresses(db, [...new Set(comparables.map((c) => c.propertyId).filter((id) => id >= 0))]);
  return comparables.map((c) => {
    const place = addresses.get(c.propertyId);
    return {
      address: place?.address ?? null,
      postcode: place?.postcode ?? null,
      property_id: c.propertyId >= 0 ? c.propertyId : null,
      distance_m: Math.round(c.distanceM),
      sale_date: formatDay(c.saleDay),
      sale_price: Math.round(c.salePrice),
      adjusted_price: Math.round(c.adjustedPrice),
      property_type: propertyTypeCode(c.propertyType, config),
      floor_area_sqm: squareMetres(c.floorArea, config.areaUnit),
      floor_area: c.floorArea,
      similarity: Math.round(c.similarity * 1000) / 1000,
    };
  });
}
