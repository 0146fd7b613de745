import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ensureDemoUkMarket } from '../../src/data/uk/ensure-demo-market.js';
import { buildUkDemo, DEMO_MARKET_ID, generateUkDemo } from '../../src/data/uk/generate-demo.js';
import { areaLevel, NEW_BUILD_EFFECT, PERIOD_EFFECT, priceIndex, RATING_EFFECT, SIZE_ELASTICITY, TYPE_EFFECT } from '../../src/data/uk/demo-price-model.js';
import { findPropertiesByPostcode, findPropertiesByUprn } from '../../src/store/repositories/uk.js';
import { storeTargetNames, withStore } from '../support/stores.js';
import { tempDir } from './fixtures.js';

const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('the demo generator', () => {
  it('writes identical files for the same seed and different ones for another', async () => {
    const [a, b, c] = await Promise.all([generateUkDemo({ dir: tempDir(), seed: 7 }), generateUkDemo({ dir: tempDir(), seed: 7 }), generateUkDemo({ dir: tempDir(), seed: 8 })]);
    for (let i = 0; i < a.files.length; i++) assert.equal(digest(a.files[i]!.path), digest(b.files[i]!.path), a.files[i]!.kind);
    assert.notEqual(digest(a.files.find((f) => f.kind === 'ppd')!.path), digest(c.files.find((f) => f.kind === 'ppd')!.path));
    const ppd = readFileSync(a.files.find((f) => f.kind === 'ppd')!.path, 'utf8').trim().split('\n');
    assert.equal(ppd.length, a.sales);
    assert.ok(ppd.every((l) => l.split('","').length === 16 && l.startsWith('"{') && l.endsWith('"')));
  });

  it('prices by its documented process: least squares on its sales recovers the type and size effects', () => {
    const { sales } = buildUkDemo({ seed: 11 });
    // Remove the documented location, time, period, rating and new-build terms, then fit
    // residual = a + b·log(area/90) + Σ type dummies on the ordinary (category A) sales.
    const X: number[][] = [];
    const y: number[] = [];
    for (const s of sales) {
      if (s.category !== 'A') continue;
      const p = s.property;
      y.push(Math.log(s.price) - areaLevel(p.easting, p.northing) - Math.log(priceIndex(s.date)) - (PERIOD_EFFECT[p.constructionPeriod] ?? 0) - (RATING_EFFECT[p.epcRating] ?? 0) - (s.newBuild ? NEW_BUILD_EFFECT : 0));
      X.push([1, Math.log(p.floorArea / 90), p.typeCode === 'D' ? 1 : 0, p.typeCode === 'T' ? 1 : 0, p.typeCode === 'F' ? 1 : 0]);
    }
    const beta = leastSquares(X, y);
    assert.ok(Math.abs(beta[1]! - SIZE_ELASTICITY) < 0.03, `size elasticity ${beta[1]}`);
    assert.ok(Math.abs(beta[2]! - TYPE_EFFECT.D!) < 0.02, `detached ${beta[2]}`);
    assert.ok(Math.abs(beta[3]! - TYPE_EFFECT.T!) < 0.02, `terraced ${beta[3]}`);
    assert.ok(Math.abs(beta[4]! - TYPE_EFFECT.F!) < 0.02, `flat ${beta[4]}`);
    const years = sales.map((s) => Number(s.date.slice(0, 4)));
    assert.ok(Math.min(...years) <= 1996 && Math.max(...years) === 2025);
  });
});

function leastSquares(X: number[][], y: number[]): number[] {
  const k = X[0]!.length;
  const A = Array.from({ length: k }, () => new Array<number>(k + 1).fill(0));
  X.forEach((row, r) => {
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) A[i]![j]! += row[i]! * row[j]!;
      A[i]![k]! += row[i]! * y[r]!;
    }
  });
  for (let i = 0; i < k; i++) {
    const pivot = A[i]![i]!;
    for (let j = i; j <= k; j++) A[i]![j]! /= pivot;
    for (let r = 0; r < k; r++) if (r !== i) {
      const f = A[r]![i]!;
      for (let j = i; j <= k; j++) A[r]![j]! -= f * A[i]![j]!;
    }
  }
  return A.map((row) => row[k]!);
}

for (const target of storeTargetNames()) {
  describe(`the bundled demo market on ${target}`, () => {
    it('loads once, labelled synthetic, and answers the Gadsden examples', async () => {
      await withStore(target, async (store) => {
        const dataDir = tempDir();
        const first = await ensureDemoUkMarket(store, { dataDir });
        assert.deepEqual(first, { marketId: DEMO_MARKET_ID, created: true });
        const market = await store.db.selectFrom('markets').selectAll().where('id', '=', DEMO_MARKET_ID).executeTakeFirstOrThrow();
        const config = JSON.parse(market.config) as { synthetic: boolean; currency: string; areaUnit: string };
        assert.equal(config.synthetic, true);
        assert.match(market.name, /\(synthetic demo data\)/);
        assert.deepEqual([config.currency, config.areaUnit], ['GBP', 'sqm']);

        const wilmslow = await findPropertiesByPostcode(store.db, 'M202TG', 'Wilmslow Road', DEMO_MARKET_ID);
        assert.equal(wilmslow.length, 1);
        assert.equal(wilmslow[0]!.address, '42 Wilmslow Road, Didsbury');
        assert.equal(wilmslow[0]!.postcode, 'M20 2TG');
        const byUprn = await findPropertiesByUprn(store.db, '100012345678', DEMO_MARKET_ID);
        assert.deepEqual(byUprn.map((p) => p.id), [wilmslow[0]!.id]);
        const attrs = JSON.parse(byUprn[0]!.attributes) as Record<string, unknown>;
        assert.deepEqual(
          [byUprn[0]!.property_type, attrs.floor_area, attrs.bedrooms, attrs.bedrooms_estimated, attrs.construction_period, attrs.epc_rating, attrs.location_precision],
          ['Semi-Detached', 95, 3, true, '1930-1949', 'D', 'uprn'],
        );
        assert.equal((await findPropertiesByPostcode(store.db, 'M11AA', 'Piccadilly', DEMO_MARKET_ID)).length, 1);
        assert.equal((await findPropertiesByPostcode(store.db, 'SW1A1AA', 'Downing Street', DEMO_MARKET_ID)).length, 0);

        const span = await store.db.selectFrom('sales').select((eb) => [eb.fn.min('sale_date').as('first'), eb.fn.max('sale_date').as('last'), eb.fn.countAll<number>().as('n')]).where('market_id', '=', DEMO_MARKET_ID).executeTakeFirstOrThrow();
        assert.ok(String(span.first) < '1997-01-01' && String(span.last) >= '2025-01-01', `${span.first} … ${span.last}`);
        assert.ok(Number(span.n) > 10_000);
        const described = await store.db.selectFrom('sales').select((eb) => eb.fn.countAll<number>().as('n')).where('market_id', '=', DEMO_MARKET_ID).where('attributes', 'like', '%"floor_area":%').executeTakeFirstOrThrow();
        assert.ok(Number(described.n) / Number(span.n) > 0.7, 'most sales carry EPC characteristics');

        const second = await ensureDemoUkMarket(store, { dataDir });
        assert.equal(second.created, false);
        const again = await store.db.selectFrom('sales').select((eb) => eb.fn.countAll<number>().as('n')).where('market_id', '=', DEMO_MARKET_ID).executeTakeFirstOrThrow();
        assert.equal(Number(again.n), Number(span.n));
      });
    });
  });
}
