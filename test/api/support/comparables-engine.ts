// A small, real ValuationEngine for the service tests: the median price per unit of area of the nearest
// sales, times the subject's area. The production engine (gradient-boosted trees) is tested on its own;
// these tests are about HTTP, storage and money, and need an engine whose answers they can predict.
import type { Comparable, ConfidenceTier, MarketConfig, Subject, ValuationOptions, ValuationOutcome } from '../../../src/engine/types.js';
import { EngineNotReadyError, InvalidSubjectError, type MarketSummary, type ValuationEngine } from '../../../src/services/valuation-engine.js';
import type { Store } from '../../../src/store/database.js';

interface Sale {
  saleId: number;
  propertyId: number;
  day: number;
  price: number;
  latitude: number;
  longitude: number;
  area: number | null;
  type: string | null;
}

function distanceM(aLat: number, aLon: number, bLat: number, bLon: number): number {
  const r = 6_371_000;
  const dLat = ((bLat - aLat) * Math.PI) / 180;
  const dLon = ((bLon - aLon) * Math.PI) / 180;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos((aLat * Math.PI) / 180) * Math.cos((bLat * Math.PI) / 180) * Math.sin(dLon / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(h));
}

export class ComparablesEngine implements ValuationEngine {
  private ready = true;
  constructor(
    private readonly configs: Map<string, MarketConfig>,
    private readonly sales: Map<string, Sale[]>,
  ) {}

  static async load(store: Store): Promise<ComparablesEngine> {
    const markets = await store.db.selectFrom('markets').selectAll().execute();
    const configs = new Map(markets.map((m) => [m.id, JSON.parse(m.config) as MarketConfig]));
    const rows = await store.db
      .selectFrom('sales')
      .innerJoin('properties', 'properties.id', 'sales.property_id')
      .select(['sales.id', 'sales.market_id', 'sales.property_id', 'sales.sale_date', 'sales.price', 'sales.attributes', 'properties.latitude', 'properties.longitude', 'properties.property_type'])
      .execute();
    const sales = new Map<string, Sale[]>();
    for (const r of rows) {
      const attributes = JSON.parse(r.attributes) as Record<string, unknown>;
      const list = sales.get(r.market_id) ?? [];
      list.push({
        saleId: r.id,
        propertyId: r.property_id,
        day: Math.floor(Date.parse(`${r.sale_date}T00:00:00Z`) / 86_400_000),
        price: r.price,
        latitude: r.latitude,
        longitude: r.longitude,
        area: typeof attributes.floor_area === 'number' ? attributes.floor_area : null,
        type: r.property_type,
      });
      sales.set(r.market_id, list);
    }
    return new ComparablesEngine(configs, sales);
  }

  /** Makes every market report not ready (the 503 path). */
  setReady(ready: boolean): void {
    this.ready = ready;
  }

  markets(): MarketSummary[] {
    return [...this.configs.values()].map((c) => ({ id: c.id, name: c.name, country: c.country, currency: c.currency, areaUnit: c.areaUnit, synthetic: c.synthetic, modelVersion: 'comps-1' }));
  }

  isReady(marketId?: string): boolean {
    return this.ready && (marketId === undefined || this.configs.has(marketId));
  }

  marketAt(latitude: number, longitude: number): string | null {
    for (const [id, config] of this.configs) {
      for (const s of this.sales.get(id) ?? []) if (distanceM(latitude, longitude, s.latitude, s.longitude) <= config.comparables.radiusKm * 1000) return id;
    }
    return null;
  }

  value(marketId: string, subject: Subject, options: ValuationOptions): ValuationOutcome {
    const config = this.configs.get(marketId);
    if (!config || !this.ready) throw new EngineNotReadyError(marketId);
    const a = subject.attributes;
    for (const name of ['floor_area', 'bedrooms', 'bathrooms', 'year_built']) {
      const v = a[name];
      if (v == null) continue;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new InvalidSubjectError(name, `${name} must be a number, 0 or more`);
    }
    let type: string | null = null;
    if (a.property_type != null) {
      const given = String(a.property_type);
      type = config.propertyTypes.find((t) => t.toLowerCase() === given.toLowerCase()) ?? config.propertyTypeAliases[given.toLowerCase()] ?? null;
      if (!type) throw new InvalidSubjectError('property_type', `property_type '${given}' is not one of ${config.propertyTypes.join(', ')}`);
    }
    const modelVersion = 'comps-1';
    const area = typeof a.floor_area === 'number' ? a.floor_area : null;
    if (area === null && a.bedrooms == null && type === null) {
      return { status: 'no_value', reason: 'missing_critical_data', reasonDescription: 'Floor area, bedrooms and property type are all unknown', missingData: ['floor_area', 'bedrooms', 'property_type'], modelVersion };
    }
    const radiusM = (options.radiusKm ?? config.comparables.radiusKm) * 1000;
    const near = (this.sales.get(marketId) ?? [])
      .filter((s) => s.day < options.asOf && s.area !== null)
      .map((s) => ({ s, d: distanceM(subject.latitude, subject.longitude, s.latitude, s.longitude) }))
      .filter((x) => x.d <= radiusM)
      .sort((x, y) => x.d - y.d || x.s.saleId - y.s.saleId);
    if (near.length < config.comparables.minCount) {
      return { status: 'no_value', reason: 'insufficient_comparables', reasonDescription: `Fewer than ${config.comparables.minCount} comparable sales within the search radius and time window`, missingData: ['recent_comparables'], modelVersion };
    }
    const used = near.slice(0, 10);
    const ppa = used.map((x) => x.s.price / x.s.area!).sort((p, q) => p - q);
    const median = ppa[Math.floor(ppa.length / 2)]!;
    const meanArea = used.reduce((t, x) => t + x.s.area!, 0) / used.length;
    const subjectArea = area ?? meanArea;
    const value = median * subjectArea;
    const fsd = area === null ? 0.14 : 0.08;
    const tier: ConfidenceTier = config.confidence.tiers.find((t) => fsd <= t.maxFsd)!;
    const comparables: Comparable[] = used.slice(0, options.numComparables ?? config.comparables.count).map((x) => ({
      saleId: x.s.saleId,
      propertyId: x.s.propertyId,
      distanceM: x.d,
      saleDay: x.s.day,
      salePrice: x.s.price,
      adjustedPrice: x.s.price,
      propertyType: x.s.type,
      floorArea: x.s.area,
      similarity: 1 / (1 + x.d / 100),
    }));
    const baseValue = median * meanArea;
    return {
      status: 'success',
      value,
      fsd,
      tier,
      confidenceLevel: Math.round(100 * (1 - fsd)),
      range90: { low: value * (1 - 1.645 * fsd), high: value * (1 + 1.645 * fsd) },
      interval95: { lower: value * (1 - 1.96 * fsd), upper: value * (1 + 1.96 * fsd) },
      comparables,
      contributions: options.explain ? [{ feature: 'floor_area', contribution: value - baseValue }] : [],
      baseValue,
      modelVersion,
    };
  }
}
