import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isIsoDate, isoDateToDay, parseSaleDate } from './parse-sale-date.js';

describe('parseSaleDate', () => {
  it('reads each supported format into YYYY-MM-DD', () => {
    assert.equal(parseSaleDate('1996-04-23', 'YYYY-MM-DD'), '1996-04-23');
    assert.equal(parseSaleDate('2009-10', 'YYYY-MM'), '2009-10-15');
    assert.equal(parseSaleDate('03/02/2021', 'DD/MM/YYYY'), '2021-02-03');
    assert.equal(parseSaleDate('03/02/2021', 'MM/DD/YYYY'), '2021-03-02');
    assert.equal(parseSaleDate(' 1995-01-01 00:00 ', 'YYYY-MM-DD'), '1995-01-01');
    assert.equal(parseSaleDate('1995-01-01T00:00:00Z', 'YYYY-MM-DD'), '1995-01-01');
  });

  it('rejects impossible days and other layouts', () => {
    assert.equal(parseSaleDate('2023-02-30', 'YYYY-MM-DD'), null);
    assert.equal(parseSaleDate('2023-13', 'YYYY-MM'), null);
    assert.equal(parseSaleDate('31/04/2020', 'DD/MM/YYYY'), null);
    assert.equal(parseSaleDate('2020-04-01', 'DD/MM/YYYY'), null);
    assert.equal(parseSaleDate('yesterday', 'YYYY-MM-DD'), null);
    assert.equal(parseSaleDate('', 'YYYY-MM'), null);
  });

  it('counts days from 1970-01-01 UTC', () => {
    assert.equal(isoDateToDay('1970-01-01'), 0);
    assert.equal(isoDateToDay('1970-01-02'), 1);
    assert.equal(isoDateToDay('1969-12-31'), -1);
    assert.equal(isoDateToDay('2000-03-01'), 11017);
    assert.equal(isIsoDate('2000-02-29'), true);
    assert.equal(isIsoDate('1900-02-29'), false);
    assert.equal(isIsoDate('2000-2-01'), false);
  });
});
