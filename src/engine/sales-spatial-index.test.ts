// The sales search against brute force: every market sale in the window and radius, nearest first, ties by
// row, on clustered data with many sales at one point, near the antimeridian and a pole (where the search
// falls back to geokdbush), and for degenerate frames and windows.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addMonths } from './calendar.js';
import { haversineMeters } from './geo.js';
import { SeededRandom } from './gbdt/random.js';
import { SalesSpatialIndex, type ComparableWindow } from './sales-spatial-index.js';
import type { SalesFrame } from './types.js';

const RAD = Math.PI / 180;
const hav = (theta: number) => Math.sin(theta / 2) ** 2;

function frameOf(points: { latitude: number; longitude: number; day: number; isMarket: boolean }[]): SalesFrame {
  const n = points.length;
  return {
    count: n,
    saleId: Float64Array.from(points, (_, i) => i + 1),
    propertyId: Float64Array.from(points, (_, i) => i + 1),
    day: Int32Array.from(points, (p) => p.day),
    price: new Float64Array(n).fill(100_000),
    latitude: Float64Array.from(points, (p) => p.latitude),
    longitude: Float64Array.from(points, (p) => p.longitude),
    isMarket: Uint8Array.from(points, (p) => (p.isMarket ? 1 : 0)),
    attributes: {},
  };
}

/** Sales around a centre: clusters of several sales at one point (a block of flats, a resold house) and scattered ones. */
function clusteredFrame(seed: number, centre: { latitude: number; longitude: number }, n: number, spreadDegrees: number): SalesFrame {
  const generator = new SeededRandom(seed);
  const random = () => generator.next();
  const points = [];
  while (points.length < n) {
    const latitude = centre.latitude + (random() - 0.5) * spreadDegrees;
    const longitude = centre.longitude + (random() - 0.5) * spreadDegrees * 2;
    const copies = random() < 0.2 ? 1 + Math.floor(random() * 6) : 1;
    for (let c = 0; c < copies; c++) points.push({ latitude, longitude: Math.max(-180, Math.min(180, longitude)), day: 8000 + Math.floor(random() * 4000), isMarket: random() > 0.1 });
  }
  return frameOf(points);
}

/** What the search must return, by definition: haversine as geokdbush computes it, ties by row. */
function bruteForce(frame: SalesFrame, latitude: number, longitude: number, window: ComparableWindow, limit: number): number[] {
  const from = addMonths(window.asOf, -window.lookbackMonths);
  const maxHav = hav(window.radiusKm / 6371);
  const cosLat = Math.cos(latitude * RAD);
  const found: { row: number; h: number }[] = [];
  for (let row = 0; row < frame.count; row++) {
    if (frame.isMarket[row] !== 1 || frame.day[row]! >= window.asOf || frame.day[row]! < from) continue;
    const h = cosLat * Math.cos(frame.latitude[row]! * RAD) * hav((longitude - frame.longitude[row]!) * RAD) + hav((latitude - frame.latitude[row]!) * RAD);
    if (h <= maxHav) found.push({ row, h });
  }
  found.sort((a, b) => a.h - b.h || a.row - b.row);
  return found.slice(0, limit).map((f) => f.row);
}

function checkQueries(frame: SalesFrame, seed: number, queries: number, options: { exactOrder: boolean }) {
  const generator = new SeededRandom(seed);
  const random = () => generator.next();
  const index = new SalesSpatialIndex(frame);
  for (let q = 0; q < queries; q++) {
    // half the subjects stand on a sale (its own point is then a tie at distance 0), half anywhere nearby
    const at = Math.floor(random() * frame.count);
    const latitude = random() < 0.5 ? frame.latitude[at]! : frame.latitude[at]! + (random() - 0.5) * 0.02;
    const longitude = random() < 0.5 ? frame.longitude[at]! : Math.max(-180, Math.min(180, frame.longitude[at]! + (random() - 0.5) * 0.02));
    const window: ComparableWindow = { asOf: 9000 + Math.floor(random() * 4000), radiusKm: [0.2, 1, 2, 5][q % 4]!, lookbackMonths: [6, 60, 240][q % 3]! };
    const limit = [1, 5, 20, 50, 150][q % 5]!;
    const expected = bruteForce(frame, latitude, longitude, window, limit);
    const got = index.nearbySales(latitude, longitude, window, limit);
    if (options.exactOrder) assert.deepEqual(got, expected, `query ${q} at ${latitude},${longitude} ${JSON.stringify(window)} limit ${limit}`);
    else {
      // geokdbush breaks exact ties its own way: the same distances, not necessarily the same rows
      const distances = (rows: number[]) => rows.map((r) => Math.round(haversineMeters(latitude, longitude, frame.latitude[r]!, frame.longitude[r]!) * 1000));
      assert.deepEqual(distances(got), distances(expected), `query ${q}`);
    }
  }
}

describe('SalesSpatialIndex.nearbySales', () => {
  it('returns exactly the nearest market sales in the window, nearest first, ties by row', () => {
    checkQueries(clusteredFrame(1, { latitude: 41.65, longitude: -83.55 }, 4000, 0.3), 2, 600, { exactOrder: true });
  });

  it('is exact in a sparse market where the search must widen to the whole radius', () => {
    checkQueries(clusteredFrame(3, { latitude: 51.5, longitude: -0.1 }, 300, 1.5), 4, 300, { exactOrder: true });
  });

  it('falls back to the priority-queue search across the antimeridian and near a pole, at the same distances', () => {
    checkQueries(clusteredFrame(5, { latitude: -17.8, longitude: 179.99 }, 800, 0.2), 6, 200, { exactOrder: false });
    checkQueries(clusteredFrame(7, { latitude: 86.5, longitude: 10 }, 800, 0.2), 8, 200, { exactOrder: false });
  });

  it('searches a wide radius with the tree instead of thousands of grid cells, at the same distances', () => {
    const frame = clusteredFrame(11, { latitude: 42.0, longitude: -93.6 }, 400, 1.2);
    const index = new SalesSpatialIndex(frame);
    const window: ComparableWindow = { asOf: 13000, radiusKm: 40, lookbackMonths: 240 };
    for (let i = 0; i < frame.count; i += 37) {
      const got = index.nearbySales(frame.latitude[i]!, frame.longitude[i]!, window, 50);
      const expected = bruteForce(frame, frame.latitude[i]!, frame.longitude[i]!, window, 50);
      const distances = (rows: number[]) => rows.map((r) => Math.round(haversineMeters(frame.latitude[i]!, frame.longitude[i]!, frame.latitude[r]!, frame.longitude[r]!) * 1000));
      assert.deepEqual(distances(got), distances(expected));
    }
  });

  it('answers nothing for an empty market, a zero limit or a window with no sales', () => {
    const empty = new SalesSpatialIndex(frameOf([]));
    assert.deepEqual(empty.nearbySales(41.6, -83.5, { asOf: 10000, radiusKm: 2, lookbackMonths: 60 }, 20), []);
    assert.equal(empty.nearestSaleKm(41.6, -83.5, 5), null);
    const one = new SalesSpatialIndex(frameOf([{ latitude: 41.6, longitude: -83.5, day: 9000, isMarket: true }]));
    assert.deepEqual(one.nearbySales(41.6, -83.5, { asOf: 10000, radiusKm: 2, lookbackMonths: 60 }, 0), []);
    assert.deepEqual(one.nearbySales(41.6, -83.5, { asOf: 9000, radiusKm: 2, lookbackMonths: 60 }, 5), [], 'a sale on the valuation date is not before it');
    assert.deepEqual(one.nearbySales(41.6, -83.5, { asOf: 10000, radiusKm: 2, lookbackMonths: 60 }, 5), [0]);
    assert.deepEqual(one.nearbySales(41.7, -83.5, { asOf: 10000, radiusKm: 2, lookbackMonths: 60 }, 5), [], '11 km away is outside 2 km');
  });

  it('gives the same answers in any order of searches (its starting radius only changes the speed)', () => {
    const frame = clusteredFrame(9, { latitude: 41.65, longitude: -83.55 }, 2000, 0.3);
    const window: ComparableWindow = { asOf: 12000, radiusKm: 2, lookbackMonths: 120 };
    const subjects = Array.from({ length: 100 }, (_, k) => k * 17);
    const forward = new SalesSpatialIndex(frame);
    const backward = new SalesSpatialIndex(frame);
    const a = subjects.map((i) => forward.nearbySales(frame.latitude[i]!, frame.longitude[i]!, window, 20));
    const b = [...subjects].reverse().map((i) => backward.nearbySales(frame.latitude[i]!, frame.longitude[i]!, window, 20)).reverse();
    assert.deepEqual(a, b);
  });
});
