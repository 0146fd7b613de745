import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MarketConfig } from '../../engine/types.js';
import { dateOf, dayOf, propertyTypeCode } from './presentation.js';

describe('dateOf', () => {
  it('writes every day from 1600 to 2400 as toISOString does, leap days and century years included', () => {
    for (let day = dayOf('1600-01-01'); day <= dayOf('2400-12-31'); day++) {
      const expected = new Date(day * 86_400_000).toISOString().slice(0, 10);
      if (dateOf(day) !== expected) assert.fail(`day ${day}: ${dateOf(day)} against ${expected}`);
    }
    assert.equal(dateOf(dayOf('2000-02-29')), '2000-02-29');
    assert.equal(dateOf(dayOf('1900-03-01') - 1), '1900-02-28');
    assert.equal(dateOf(0), '1970-01-01');
  });

  it('falls back to toISOString outside years 0-9999', () => {
    const day = Math.floor(Date.parse('+010000-01-01T00:00:00Z') / 86_400_000);
    assert.equal(dateOf(day), new Date(day * 86_400_000).toISOString().slice(0, 10));
  });
});

describe('propertyTypeCode', () => {
  it("gives the first one-letter alias of the type, upper case, else the type; null stays null", () => {
    const config = { propertyTypeAliases: { s: 'semi_detached', semi: 'semi_detached', d: 'detached', x: 'detached', flat: 'flats' } } as unknown as MarketConfig;
    assert.equal(propertyTypeCode('semi_detached', config), 'S');
    assert.equal(propertyTypeCode('detached', config), 'D');
    assert.equal(propertyTypeCode('flats', config), 'flats');
    assert.equal(propertyTypeCode('houses', config), 'houses');
    assert.equal(propertyTypeCode(null, config), null);
    assert.equal(propertyTypeCode('detached', { propertyTypeAliases: {} } as unknown as MarketConfig), 'detached');
  });
});
