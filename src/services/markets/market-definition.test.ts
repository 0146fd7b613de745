import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MappingError } from '../../data/sales-csv/column-mapping.js';
import { resolvePropertyType } from '../../data/sales-csv/property-type.js';
import { BUNDLED_MARKET_IDS, bundledMarketDefinitionPath, readBundledMarket } from './bundled-markets.js';
import { readMarketDefinition } from './market-definition.js';

describe('market definitions', () => {
  it('every bundled market.json is valid and names its own sales file', () => {
    for (const id of BUNDLED_MARKET_IDS) {
      const definition = readBundledMarket(id);
      assert.equal(definition.config.id, id);
      assert.match(definition.salesFile, new RegExp(`markets/${id}/sales\\.csv$`));
      // The Gadsden bands and haircuts; the FSD bounds are tuned per market.
      assert.deepEqual(definition.config.confidence.tiers.map((t) => [t.tier, t.band, t.haircut, t.description]), [
        [1, 'A', 0.025, 'High confidence'],
        [2, 'B', 0.05, 'Medium confidence'],
        [3, 'C', 0.1, 'Low confidence'],
      ]);
      const names = definition.config.features.map((f) => f.name);
      for (const core of ['floor_area', 'bedrooms', 'bathrooms', 'property_type']) assert.ok(names.includes(core), `${id} has ${core}`);
    }
  });

  it('never feeds the auditor appraisal to Lucas County models', () => {
    const text = readFileSync(bundledMarketDefinitionPath('lucas-county-oh'), 'utf8');
    assert.doesNotMatch(text, /assessed/);
  });

  it('resolves PadStats-style property type words through the aliases', () => {
    const lucas = readBundledMarket('lucas-county-oh').config;
    const ames = readBundledMarket('ames-ia').config;
    const sacramento = readBundledMarket('sacramento-ca').config;
    assert.equal(resolvePropertyType('houses', lucas), 'Single Family');
    assert.equal(resolvePropertyType('single family', lucas), 'Single Family');
    assert.equal(resolvePropertyType('Houses', ames), 'OneFam');
    assert.equal(resolvePropertyType('townhomes', ames), 'TwnhsE');
    assert.equal(resolvePropertyType('duplex', ames), 'Duplex');
    assert.equal(resolvePropertyType('condos', sacramento), 'Condo');
    assert.equal(resolvePropertyType('multi-family', sacramento), 'Multi_Family');
    assert.equal(resolvePropertyType('residential', sacramento), 'Residential');
    assert.equal(resolvePropertyType('castle', sacramento), null);
  });

  it('a bad market.json fails with the file and the field to fix', () => {
    const dir = mkdtempSync(join(tmpdir(), 'valora-market-'));
    try {
      const good = JSON.parse(readFileSync(bundledMarketDefinitionPath('sacramento-ca'), 'utf8'));
      const cases: Array<[string, (d: any) => void, RegExp]> = [
        ['currency', (d) => (d.config.currency = 'usd'), /market\.json\.config\.currency/],
        ['tier', (d) => (d.config.confidence.tiers[1].maxFsd = 0.01), /market\.json\.config\.confidence\.tiers\[1\]/],
        ['alias', (d) => (d.config.propertyTypeAliases.flat = 'Flat'), /market\.json\.config\.propertyTypeAliases\.flat/],
        ['format', (d) => (d.source.mapping.date.format = 'MM-YYYY'), /market\.json\.source\.mapping\.date\.format/],
        ['extra', (d) => (d.config.colour = 'red'), /market\.json\.config\.colour/],
        ['missing', (d) => delete d.config.comparables, /market\.json\.config\.comparables/],
      ];
      for (const [name, mutate, field] of cases) {
        const copy = structuredClone(good);
        mutate(copy);
        const path = join(dir, `${name}.json`);
        writeFileSync(path, JSON.stringify(copy));
        assert.throws(() => readMarketDefinition(path), (error: unknown) => error instanceof MappingError && field.test(error.field) && error.field.startsWith(path), name);
      }
      writeFileSync(join(dir, 'broken.json'), '{');
      assert.throws(() => readMarketDefinition(join(dir, 'broken.json')), /cannot read the market definition/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
