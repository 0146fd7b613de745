import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { importEpcCertificates } from '../../src/data/uk/import-epc.js';
import { importPostcodes } from '../../src/data/uk/import-postcodes.js';
import { importPricePaid } from '../../src/data/uk/import-price-paid.js';
import { importUprns } from '../../src/data/uk/import-uprns.js';
import { linkUkRegister } from '../../src/data/uk/link-register.js';
import { findPropertiesByPostcode, findPropertiesByUprn } from '../../src/store/repositories/uk.js';
import { storeTargetNames, withStore } from '../support/stores.js';
import { epcCsv, onspd, ppdLine, tempDir, writeFile, type EpcFixture } from './fixtures.js';

const id = (n: number) => `CCCCCCCC-0000-0000-0000-00000000000${n}`;

for (const target of storeTargetNames()) {
  describe(`EPC certificates and the register on ${target}`, () => {
    it('describes each sale by the newest certificate lodged before it, else the oldest after (flagged)', async () => {
      await withStore(target, async (store) => {
        const dir = tempDir();
        await importPostcodes(store, writeFile(dir, 'onspd.csv', onspd([['M20 2TG', 53.414, -2.234]])));
        await importPricePaid(store, writeFile(dir, 'pp.csv', [
          ppdLine({ id: id(1), date: '2005-03-01 00:00', paon: '42', street: 'WILMSLOW ROAD' }),
          ppdLine({ id: id(2), date: '2012-07-01 00:00', paon: '42', street: 'WILMSLOW ROAD' }),
          ppdLine({ id: id(3), date: '2020-09-01 00:00', paon: '42', street: 'WILMSLOW ROAD' }),
        ].join('\n')), { marketId: 'uk-e' });
        const certs: EpcFixture[] = [
          { lmk: 'L2010', address1: '42 Wilmslow Road', address2: 'Didsbury', lodged: '2010-05-01', area: '80', rooms: '4', rating: 'E', band: 'England and Wales: 1930-1949' },
          { lmk: 'L2018', address1: '42, Wilmslow Rd.', lodged: '2018-02-01', area: '85.5', rooms: '5', rating: 'C', band: 'England and Wales: 1930-1949' },
        ];
        const r = await importEpcCertificates(store, writeFile(dir, 'certificates.csv', epcCsv(certs)), { marketId: 'uk-e', link: false });
        assert.deepEqual([r.loaded, r.rejected, r.link], [2, 0, null]);
        // One sale per page: every page is read and written.
        const link = await linkUkRegister(store, 'uk-e', { salesPageSize: 1 });
        assert.deepEqual([link.linkedByAddress, link.propertiesCreated, link.salesUpdated], [2, 0, 3]);
        assert.equal((await linkUkRegister(store, 'uk-e')).salesUpdated, 0, 'linking again changes nothing');

        const sales = await store.db.selectFrom('sales').select(['source_key', 'attributes']).where('market_id', '=', 'uk-e').orderBy('sale_date').execute();
        const seen = sales.map((s) => JSON.parse(s.attributes) as Record<string, unknown>);
        assert.deepEqual(seen.map((a) => [a.epc_lmk_key, a.epc_after_sale, a.floor_area, a.epc_rating]), [
          ['L2010', true, 80, 'E'],
          ['L2010', false, 80, 'E'],
          ['L2018', false, 85.5, 'C'],
        ]);
        assert.deepEqual([seen[2]!.property_type, seen[2]!.tenure, seen[2]!.habitable_rooms, seen[2]!.bedrooms, seen[2]!.bedrooms_estimated], ['Semi-Detached', 'Freehold', 5, 3, true]);

        const [property] = await findPropertiesByPostcode(store.db, 'M202TG', 'wilmslow road');
        assert.ok(property);
        assert.equal(property.address, '42 Wilmslow Road, Didsbury');
        const attrs = JSON.parse(property.attributes) as Record<string, unknown>;
        assert.deepEqual(
          [attrs.floor_area, attrs.epc_rating, attrs.construction_period, attrs.bedrooms, attrs.bedrooms_estimated, attrs.location_precision],
          [85.5, 'C', '1930-1949', 3, true, 'postcode'],
        );
        assert.deepEqual([property.latitude, property.longitude], [53.414, -2.234], 'an unplaced UPRN keeps the postcode centroid, unjittered');
      });
    });

    it('links by UPRN first, adopts the UPRN, geocodes by it, and registers certificates of unsold homes', async () => {
      await withStore(target, async (store) => {
        const dir = tempDir();
        await importPostcodes(store, writeFile(dir, 'onspd.csv', onspd([['M20 2TG', 53.414, -2.234]])));
        await importUprns(store, writeFile(dir, 'osopenuprn.csv', 'UPRN,X_COORDINATE,Y_COORDINATE,LATITUDE,LONGITUDE\n100012345678,384510.00,390870.00,53.4141000,-2.2340000\n100099999999,384520.00,390880.00,53.4142000,-2.2339000\n'));
        await importPricePaid(store, writeFile(dir, 'pp.csv', [
          ppdLine({ id: id(1), date: '2015-03-01 00:00', saon: 'FLAT 78', paon: 'OAK COURT', street: 'WILMSLOW ROAD' }),
          ppdLine({ id: id(2), date: '2015-03-01 00:00', saon: 'FLAT 79', paon: 'OAK COURT', street: 'WILMSLOW ROAD' }),
        ].join('\n')), { marketId: 'uk-u' });
        const certs: EpcFixture[] = [
          // "78 Oak Court" is FLAT 78's certificate: found by address, and it brings the UPRN.
          { lmk: 'A1', address1: '78 Oak Court', address2: 'Wilmslow Road', type: 'Flat', form: 'Mid-Terrace', lodged: '2014-01-01', uprn: '100012345678' },
          // Written differently, same UPRN: linked by UPRN.
          { lmk: 'A2', address1: 'Apartment 78, Oak Ct', type: 'Flat', form: 'Mid-Terrace', lodged: '2019-01-01', uprn: '100012345678', area: '55' },
          // A home that never sold: a property of its own, placed by its UPRN.
          { lmk: 'A3', address1: '3 Lapwing Lane', type: 'House', form: 'End-Terrace', lodged: '2016-01-01', uprn: '100099999999' },
        ];
        const r = await importEpcCertificates(store, writeFile(dir, 'certificates.csv', epcCsv(certs, true)), { marketId: 'uk-u' });
        assert.deepEqual([r.link?.linkedByAddress, r.link?.linkedByUprn, r.link?.propertiesCreated], [1, 1, 1]);

        const [flat] = await findPropertiesByUprn(store.db, '100012345678', 'uk-u');
        assert.ok(flat);
        assert.equal(flat.address, 'Flat 78, Oak Court, Wilmslow Road, Didsbury');
        assert.deepEqual([flat.latitude, flat.longitude], [53.4141, -2.234]);
        const attrs = JSON.parse(flat.attributes) as Record<string, unknown>;
        assert.deepEqual([attrs.location_precision, attrs.floor_area, attrs.epc_lmk_key], ['uprn', 55, 'A2']);

        const [unsold] = await findPropertiesByUprn(store.db, '100099999999', 'uk-u');
        assert.ok(unsold);
        assert.deepEqual([unsold.address, unsold.postcode, unsold.property_type], ['3 Lapwing Lane', 'M20 2TG', 'Terraced']);

        // A later Price Paid sale of the unsold home joins it rather than making a second property.
        const later = await importPricePaid(store, writeFile(dir, 'pp2.csv', ppdLine({ id: id(3), date: '2021-03-01 00:00', type: 'T', paon: '3', street: 'LAPWING LANE' })), { marketId: 'uk-u' });
        assert.equal(later.propertiesCreated, 0);
        const sale = await store.db.selectFrom('sales').select(['property_id', 'attributes']).where('source_key', '=', id(3)).executeTakeFirstOrThrow();
        assert.equal(sale.property_id, unsold.id);
        assert.equal((JSON.parse(sale.attributes) as Record<string, unknown>).epc_lmk_key, 'A3');
        // Several properties on one postcode + partial address is an answer to act on, not a guess.
        assert.equal((await findPropertiesByPostcode(store.db, 'M202TG', 'Oak Court', 'uk-u')).length, 2);
      });
    });

    it('reads UPPER_SNAKE and kebab-case headers alike, and reports bad rows by line', async () => {
      await withStore(target, async (store) => {
        const dir = tempDir();
        const rows: EpcFixture[] = [
          { lmk: 'K1', address1: '1 Test Road', lodged: '2012-01-01', band: 'England and Wales: 2012 onwards' },
          { lmk: '', address1: '2 Test Road', lodged: '2012-01-01' },
          { lmk: 'K3', address1: '3 Test Road', lodged: '2012-13-01' },
          { lmk: 'K4', address1: '4 Test Road', lodged: '2012-01-01', postcode: 'nowhere' },
          { lmk: 'K5', address1: '5 Test Road', lodged: '2012-01-01', uprn: 'abc' },
        ];
        const upper = await importEpcCertificates(store, writeFile(dir, 'upper.csv', epcCsv(rows)), { marketId: 'uk-h1', link: false });
        const kebab = await importEpcCertificates(store, writeFile(dir, 'kebab.csv', epcCsv(rows, true)), { marketId: 'uk-h2', link: false });
        for (const r of [upper, kebab]) {
          assert.equal(r.loaded, 1);
          assert.deepEqual(r.rejections.map((x) => x.line), [3, 4, 5, 6]);
          assert.match(r.rejections[0]!.reason, /LMK_KEY/);
          assert.match(r.rejections[1]!.reason, /LODGEMENT_DATE/);
          assert.match(r.rejections[2]!.reason, /POSTCODE/);
          assert.match(r.rejections[3]!.reason, /UPRN/);
        }
        const stored = await store.db.selectFrom('uk_epc_certificates').select(['market_id', 'lmk_key', 'floor_area', 'construction_period', 'address_key']).orderBy('market_id').execute();
        assert.deepEqual(stored.map(({ market_id: _, ...rest }) => rest), [
          { lmk_key: 'K1', floor_area: 90, construction_period: '2012-onwards', address_key: '1 TEST ROAD' },
          { lmk_key: 'K1', floor_area: 90, construction_period: '2012-onwards', address_key: '1 TEST ROAD' },
        ]);
        await assert.rejects(importEpcCertificates(store, writeFile(dir, 'other.csv', 'a,b\n1,2\n'), { marketId: 'uk-h3' }), /LMK_KEY, LODGEMENT_DATE/);
      });
    });
  });
}
