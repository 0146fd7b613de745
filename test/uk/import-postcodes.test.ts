import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { marketsDir } from '../../src/paths.js';
import { importPostcodes } from '../../src/data/uk/import-postcodes.js';
import { importUprns } from '../../src/data/uk/import-uprns.js';
import { findPostcode } from '../../src/store/repositories/uk.js';
import { storeTargetNames, withStore } from '../support/stores.js';
import { tempDir, writeFile } from './fixtures.js';

function metres(a: [number, number], b: [number, number]): number {
  const dLat = ((b[0] - a[0]) * Math.PI) / 180;
  const dLon = ((b[1] - a[1]) * Math.PI) / 180;
  return 6_371_000 * Math.hypot(dLat, dLon * Math.cos((a[0] * Math.PI) / 180));
}

for (const target of storeTargetNames()) {
  describe(`postcode and UPRN coordinates on ${target}`, () => {
    it('imports the real Code-Point Open M area, converted to WGS84, and reports the one postcode without a grid reference', async () => {
      await withStore(target, async (store) => {
        const r = await importPostcodes(store, resolve(marketsDir, 'uk-samples/codepoint-open-2025-m.csv'));
        assert.deepEqual([r.layout, r.records, r.loaded, r.rejected], ['codepoint', 32318, 32317, 1]);
        assert.equal(r.rejections[0]!.line, 21852);
        assert.match(r.rejections[0]!.reason, /M35 5AS: no grid reference/);
        const m40 = await findPostcode(store.db, 'M400FF');
        assert.ok(m40);
        assert.equal(m40.postcode, 'M40 0FF');
        // ONSPD publishes 53.518271, -2.173564 for M40 0FF.
        assert.ok(metres([m40.latitude, m40.longitude], [53.518271, -2.173564]) < 50);
        // A second import changes nothing.
        const again = await importPostcodes(store, resolve(marketsDir, 'uk-samples/codepoint-open-2025-m.csv'));
        assert.equal(again.loaded, 32317);
        const n = await store.db.selectFrom('uk_postcodes').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        assert.equal(Number(n.n), 32317);
      });
    });

    it('reads the ONS Postcode Directory and refuses its no-location rows; reads OS Open UPRN', async () => {
      await withStore(target, async (store) => {
        const dir = tempDir();
        const onspd = writeFile(dir, 'ONSPD.csv', 'pcd,pcd2,pcds,dointr,doterm,lat,long\nM202TG,M20  2TG,M20 2TG,198001,,53.414101,-2.234171\nZZ991ZZ,ZZ99 1ZZ,ZZ99 1ZZ,198001,,99.999999,0.000000\n');
        const r = await importPostcodes(store, onspd);
        assert.deepEqual([r.layout, r.loaded, r.rejected], ['onspd', 1, 1]);
        assert.match(r.rejections[0]!.reason, /ZZ99 1ZZ: lat\/long/);
        const m20 = await findPostcode(store.db, 'M202TG');
        assert.deepEqual([m20?.latitude, m20?.longitude, m20?.source], [53.414101, -2.234171, 'onspd']);

        const uprns = writeFile(dir, 'osopenuprn.csv', 'UPRN,X_COORDINATE,Y_COORDINATE,LATITUDE,LONGITUDE\n100012345678,384510.00,390870.00,53.4141000,-2.2340000\nX1,1,1,53,-2\n5,1,1,0,0\n');
        const u = await importUprns(store, uprns);
        assert.deepEqual([u.loaded, u.rejections.map((x) => x.line)], [1, [3, 4]]);
        await assert.rejects(importPostcodes(store, writeFile(dir, 'junk.csv', 'hello,world\n')), /not a Code-Point Open or ONSPD file/);
      });
    });
  });
}
