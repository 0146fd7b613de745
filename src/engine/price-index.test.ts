import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { firstDayOfMonth, formatDay, parseDay } from './calendar.js';
import { estimatePriceIndex } from './price-index.js';
import { random } from '../../test/support/synthetic-market.js';

describe('estimatePriceIndex', () => {
  // 36 months of residuals around a known path: +1%/month for two years, then flat.
  const truth = (m: number) => (m < 24 ? 0.01 * m : 0.24);
  const next = random(3);
  const months: number[] = [];
  const residuals: number[] = [];
  for (let m = 0; m < 36; m++) {
    for (let k = 0; k < 80; k++) {
      months.push(24_000 + m);
      residuals.push(truth(m) + (next() - 0.5) * 0.3);
    }
  }

  it('recovers a known monthly path, relative to its last month', () => {
    const index = estimatePriceIndex(months, residuals, { bandwidthMonths: 1.5 });
    assert.equal(index.data.logLevels.length, 36);
    assert.equal(index.data.logLevels[35], 0);
    for (const m of [0, 6, 12, 18, 30]) {
      assert.ok(Math.abs(index.data.logLevels[m]! - (truth(m) - truth(35))) < 0.02, `month ${m}: ${index.data.logLevels[m]} vs ${truth(m) - truth(35)}`);
    }
  });

  it('extends past the last month by the trend of the chosen window', () => {
    const index = estimatePriceIndex(months, residuals, { trendMonths: 12 });
    assert.ok(Math.abs(index.data.trendPerMonth) < 0.004, `flat last year gives a flat trend, got ${index.data.trendPerMonth}`);
    const long = index.withTrendWindow(36);
    assert.ok(long.data.trendPerMonth > 0.004, `three-year window sees the rise, got ${long.data.trendPerMonth}`);
    const lastCentre = parseDay('2002-12-16'); // month 24000+35 = 2002-12
    const sixMonthsOn = parseDay('2003-06-16');
    assert.ok(Math.abs(long.logAt(sixMonthsOn) - long.logAt(lastCentre) - 6 * long.data.trendPerMonth) < 0.002);
  });

  it('is flat before its first month and interpolates between month centres', () => {
    const index = estimatePriceIndex(months, residuals);
    assert.equal(index.logAt(parseDay('1990-01-01')), index.data.logLevels[0]);
    const a = index.logAt(parseDay('2002-01-16'));
    const b = index.logAt(parseDay('2002-02-15'));
    const between = index.logAt(parseDay('2002-02-01'));
    assert.ok(between >= Math.min(a, b) - 1e-12 && between <= Math.max(a, b) + 1e-12);
    assert.ok(Math.abs(index.factor(parseDay('2002-01-16'), parseDay('2002-02-15')) - Math.exp(b - a)) < 1e-12);
  });

  it('reads logAt from its day table, inside the table and on both sides of it', () => {
    const index = estimatePriceIndex(months, residuals, { trendMonths: 12 });
    // months 24000…24035 are 2000-01…2002-12; the table runs from 2000-01-01 to 2005-12-31
    const from = parseDay('1999-06-01');
    const to = parseDay('2006-06-30');
    for (let day = from; day <= to; day++) assert.equal(index.logAtDay(day), index.logAt(day), `day ${day}`);
  });

  it('caps a runaway trend and rejects empty input', () => {
    const steep = estimatePriceIndex([0, 1, 2, 3], [0, 0.2, 0.4, 0.6], { maxTrendPerMonth: 0.02 });
    assert.equal(steep.data.trendPerMonth, 0.02);
    assert.throws(() => estimatePriceIndex([], []), /no sales/);
    assert.throws(() => estimatePriceIndex([1, 2], [0]), /differ in length/);
  });
});

describe('firstDayOfMonth', () => {
  it('is the 1st of the month monthOfDay names', () => {
    assert.equal(firstDayOfMonth(2000 * 12), parseDay('2000-01-01'));
    assert.equal(firstDayOfMonth(2003 * 12 + 11), parseDay('2003-12-01'));
    assert.equal(firstDayOfMonth(1969 * 12 + 11), parseDay('1969-12-01'));
  });
});

describe('monthPosition and monthOfDay', () => {
  it('agree with the calendar on every day of four centuries of boundaries', async () => {
    const { monthPosition, monthOfDay, formatDay } = await import('./calendar.js');
    for (let day = -30_000; day < 60_000; day += 1) {
      const d = new Date(day * 86_400_000);
      if (monthOfDay(day) !== d.getUTCFullYear() * 12 + d.getUTCMonth()) assert.fail(`${formatDay(day)}: month ${monthOfDay(day)}`);
      const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
      const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      const expected = d.getUTCFullYear() * 12 + d.getUTCMonth() + (day * 86_400_000 - start) / (next - start);
      if (Math.abs(monthPosition(day) - expected) > 1e-12) assert.fail(`${formatDay(day)}: ${monthPosition(day)} vs ${expected}`);
    }
  });
});

describe('formatDay', () => {
  it('writes every day from 1600 to 2400 as toISOString does, leap days and century years included', () => {
    for (let day = parseDay('1600-01-01'); day <= parseDay('2400-12-31'); day++) {
      const expected = new Date(day * 86_400_000).toISOString().slice(0, 10);
      if (formatDay(day) !== expected) assert.fail(`day ${day}: ${formatDay(day)} against ${expected}`);
    }
    assert.equal(formatDay(parseDay('2000-02-29')), '2000-02-29');
    assert.equal(formatDay(parseDay('1900-03-01') - 1), '1900-02-28');
    assert.equal(formatDay(0), '1970-01-01');
  });

  it('falls back to toISOString outside years 0-9999', () => {
    const day = Math.floor(Date.parse('+010000-01-01T00:00:00Z') / 86_400_000);
    assert.equal(formatDay(day), new Date(day * 86_400_000).toISOString().slice(0, 10));
  });
});
