import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MarketConfig } from '../../engine/types.js';
import { propertyTypeCode } from './presentation.js';

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
