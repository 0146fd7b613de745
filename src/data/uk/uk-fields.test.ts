import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bedroomsFromRooms, constructionPeriod, epcRating, isoDate, ppdCodeOfType, typeFromEpc, typeFromPpdCode } from './uk-fields.js';
import { ukMarketConfig } from './uk-market-config.js';

describe('UK field normalisation', () => {
  it('normalises EPC age bands, bare years and no-data markers', () => {
    assert.equal(constructionPeriod('England and Wales: 1930-1949'), '1930-1949');
    assert.equal(constructionPeriod('England and Wales: before 1900'), 'before 1900');
    assert.equal(constructionPeriod('England and Wales: 2012 onwards'), '2012-onwards');
    assert.equal(constructionPeriod('England and Wales: 2007 onwards'), '2007-2011');
    assert.equal(constructionPeriod('2015'), '2012-onwards');
    assert.equal(constructionPeriod('1936'), '1930-1949');
    assert.equal(constructionPeriod('NO DATA!'), null);
    assert.equal(constructionPeriod('INVALID!'), null);
    assert.equal(constructionPeriod(''), null);
    assert.equal(constructionPeriod('12'), null);
  });
  it('estimates bedrooms from habitable rooms', () => {
    assert.equal(bedroomsFromRooms(1), 0);
    assert.equal(bedroomsFromRooms(2), 1);
    assert.equal(bedroomsFromRooms(4), 3);
    assert.equal(bedroomsFromRooms(5), 3);
    assert.equal(bedroomsFromRooms(8), 6);
    assert.equal(bedroomsFromRooms(0), null);
    assert.equal(bedroomsFromRooms(null), null);
  });
  it('maps Land Registry codes and EPC forms to the market types', () => {
    assert.equal(typeFromPpdCode('S'), 'Semi-Detached');
    assert.equal(typeFromPpdCode('X'), null);
    assert.equal(ppdCodeOfType('Terraced'), 'T');
    assert.equal(typeFromEpc('House', 'Mid-Terrace'), 'Terraced');
    assert.equal(typeFromEpc('Bungalow', 'Detached'), 'Detached');
    assert.equal(typeFromEpc('Maisonette', 'End-Terrace'), 'Flat');
    assert.equal(typeFromEpc('House', 'NO DATA!'), null);
    assert.equal(epcRating(' c '), 'C');
    assert.equal(epcRating('H'), null);
  });
  it('reads dates and refuses impossible ones', () => {
    assert.equal(isoDate('1995-12-21 00:00'), '1995-12-21');
    assert.equal(isoDate('2019-03-14T10:00:00Z'), '2019-03-14');
    assert.equal(isoDate('2019-02-30'), null);
    assert.equal(isoDate('14/03/2019'), null);
  });
  it('describes a UK market: GBP, sqm, Land Registry aliases, Gadsden tiers', () => {
    const c = ukMarketConfig({ id: 'uk-x', name: 'X' });
    assert.equal(c.currency, 'GBP');
    assert.equal(c.areaUnit, 'sqm');
    for (const [alias, type] of Object.entries({ d: 'Detached', s: 'Semi-Detached', t: 'Terraced', f: 'Flat', o: 'Other', 'semi-detached': 'Semi-Detached', houses: 'Terraced' })) {
      assert.equal(c.propertyTypeAliases[alias], type, alias);
    }
    assert.equal(ukMarketConfig({ id: 'uk-x', name: 'X', mostCommonHouseType: 'Semi-Detached' }).propertyTypeAliases.houses, 'Semi-Detached');
    assert.deepEqual(c.confidence.tiers.map((t) => [t.maxFsd, t.band, t.haircut]), [[0.08, 'A', 0.025], [0.12, 'B', 0.05], [0.2, 'C', 0.1]]);
    for (const f of ['floor_area', 'bedrooms', 'habitable_rooms', 'property_type', 'tenure', 'new_build', 'construction_period', 'epc_rating', 'built_form']) {
      assert.ok(c.features.some((x) => x.name === f), f);
    }
  });
});
