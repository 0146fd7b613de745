import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bngToWgs84, wgs84ToBng } from './british-national-grid.js';

function metres(a: [number, number], b: [number, number]): number {
  const r = 6_371_000;
  const dLat = ((b[0] - a[0]) * Math.PI) / 180;
  const dLon = ((b[1] - a[1]) * Math.PI) / 180;
  return r * Math.hypot(dLat, dLon * Math.cos((a[0] * Math.PI) / 180));
}

describe('British National Grid → WGS84', () => {
  // Code-Point Open 2025 eastings/northings of two M-area postcodes against the ONS Postcode Directory's
  // published lat/long for the same postcodes (as listed by doogal.co.uk).
  const known: Array<[string, number, number, number, number]> = [
    ['M40 0FF', 388589, 402412, 53.518271, -2.173564],
    ['M45 6QF', 380625, 405799, 53.54848, -2.293883],
  ];
  for (const [postcode, e, n, lat, lon] of known) {
    it(`${postcode} lands within 50 m of its published centroid`, () => {
      const got = bngToWgs84(e, n);
      assert.ok(metres(got, [lat, lon]) < 50, `${postcode}: ${got} is ${metres(got, [lat, lon]).toFixed(1)} m from ${lat},${lon}`);
    });
  }
  it('round-trips', () => {
    const [lat, lon] = bngToWgs84(384503, 390862);
    const [e, n] = wgs84ToBng(lat, lon);
    assert.ok(Math.abs(e - 384503) < 0.01 && Math.abs(n - 390862) < 0.01);
  });
});
