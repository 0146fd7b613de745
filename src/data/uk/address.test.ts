import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addressTokens, epcAddressKey, formatPostcode, formatPpdAddress, matchAddressKey, memoTitleCase, postcodeKey, ppdAddressKey, sameAddress, titleCase } from './address.js';

describe('postcodes', () => {
  it('formats and keys postcodes however they are written', () => {
    assert.equal(formatPostcode('m20 2tg'), 'M20 2TG');
    assert.equal(formatPostcode('M202TG'), 'M20 2TG');
    assert.equal(formatPostcode(' sw1a  1aa '), 'SW1A 1AA');
    assert.equal(formatPostcode('EC1A1BB'), 'EC1A 1BB');
    assert.equal(postcodeKey('m20 2tg'), 'M202TG');
  });
  it('refuses what is not a postcode', () => {
    assert.equal(formatPostcode('INVALID'), null);
    assert.equal(formatPostcode(''), null);
    assert.equal(formatPostcode('M20'), null);
    assert.equal(formatPostcode('12345'), null);
  });
});

describe('address tokens', () => {
  it('drop a unit word before its identifier, join a number to its letter, spell out abbreviations', () => {
    const cases: Array<[string, string[]]> = [
      ['NO 5 HIGH ST', ['5', 'HIGH', 'ST']],
      ['FLAT', ['FLAT']],
      ['UNIT B 12 A MILL LN', ['B', '12A', 'MILL', 'LANE']],
      ['FLATS 1-3 THE CL', ['1-3', 'THE', 'CLOSE']],
      ['12 AB GDNS', ['12', 'AB', 'GARDENS']],
      ['APARTMENT X1 CRES', ['APARTMENT', 'X1', 'CRESCENT']],
      ['FLAT 5A', ['5A']],
      ["Flat 2, St. John's Rd.", ['2', 'ST', 'JOHNS', 'ROAD']],
      ['STUDIO 0', ['0']],
      ['7 A B', ['7A', 'B']],
      ['', []],
      ['   ', []],
      ['NUMBER NINE', ['NUMBER', 'NINE']],
      ['MAISONETTE 3 RD', ['3', 'ROAD']],
      ['apt e terr', ['E', 'TERRACE']],
    ];
    for (const [text, tokens] of cases) assert.deepEqual(addressTokens(text), tokens, text);
  });
});

describe('address keys: Land Registry and EPC spellings of one property meet', () => {
  // Cases from the real 1995 Price Paid sample (PAON, SAON, street) against EPC-style address lines.
  const cases: Array<[string, [string, string, string], string[]]> = [
    ['flat with a building name', ['CAVENDISH HOUSE', 'FLAT 20', 'WOODSIDE GRANGE ROAD'], ['Flat 20, Cavendish House', 'Woodside Grange Road', 'London']],
    ['"FLAT 78" and "78"', ['OAK COURT', 'FLAT 78', 'WILMSLOW ROAD'], ['78 Oak Court', 'Wilmslow Road']],
    ['apartment word', ['OAK COURT', 'FLAT 3', 'MILL LANE'], ['Apartment 3, Oak Court, Mill Lane']],
    ['building name with its number', ['SAFFRON COURT, 50', '5', 'LINDEN ROAD'], ['5 Saffron Court, 50 Linden Road', 'Bognor Regis']],
    ['letter flats', ['13', 'FLAT E', 'VERA ROAD'], ['Flat E', '13 Vera Road']],
    ['number ranges with spaces', ['37 - 39', '', 'GROVE ROAD'], ['37-39 Grove Road']],
    ['punctuation and case', ["ST. JOHN'S COTTAGE", '', 'CHURCH RD.'], ["St John's Cottage, Church Road"]],
    ['a number and its letter apart', ['12 A', '', 'HIGH STREET'], ['12A High Street']],
    ['house name only, street empty', ['BROOKSIDE', '2', ''], ['2 Brookside', 'Barbon']],
  ];
  for (const [name, [paon, saon, street], epc] of cases) {
    it(name, () => {
      const a = ppdAddressKey(saon, paon, street);
      const b = epcAddressKey(epc);
      assert.ok(sameAddress(a, b), `${a} ≠ ${b}`);
    });
  }

  it('keeps different properties apart', () => {
    assert.equal(sameAddress(ppdAddressKey('', '12', 'HIGH STREET'), ppdAddressKey('FLAT 1', '12', 'HIGH STREET')), false);
    assert.equal(sameAddress(ppdAddressKey('', '12', 'HIGH STREET'), ppdAddressKey('', '12A', 'HIGH STREET')), false);
    assert.equal(sameAddress(ppdAddressKey('', '12', 'HIGH STREET'), ppdAddressKey('', '14', 'HIGH STREET')), false);
    assert.equal(sameAddress(ppdAddressKey('FLAT 1', '12', 'HIGH STREET'), ppdAddressKey('FLAT 11', '12', 'HIGH STREET')), false);
    assert.equal(sameAddress('', ''), false);
  });

  it('names no match when several candidates fit (the caller keeps them apart)', () => {
    assert.equal(matchAddressKey('1 OAK ROAD', ['1 OAK ROAD DIDSBURY', '1 OAK ROAD WITHINGTON']), null);
    assert.equal(matchAddressKey('1 OAK ROAD', ['1 OAK ROAD DIDSBURY', '3 OAK ROAD']), '1 OAK ROAD DIDSBURY');
    assert.equal(matchAddressKey('1 OAK ROAD', ['1 OAK ROAD DIDSBURY', '1 OAK ROAD']), '1 OAK ROAD');
    assert.equal(matchAddressKey('5 OAK ROAD', ['1 OAK ROAD']), null);
    assert.equal(matchAddressKey('1 OAK ROAD', ['1 OAK ROAD DIDSBURY', '1 OAK ROAD WITHINGTON', '1 OAK ROAD']), '1 OAK ROAD', 'an equal key after two longer ones');
  });
});

describe('readable addresses', () => {
  it('reads like Gadsden', () => {
    assert.equal(formatPpdAddress({ saon: '', paon: '42', street: 'WILMSLOW ROAD', locality: 'DIDSBURY', town: 'MANCHESTER' }), '42 Wilmslow Road, Didsbury');
    assert.equal(formatPpdAddress({ saon: '', paon: 'ROSE COTTAGE', street: 'MILL LANE', locality: 'KNOCKHOLT', town: 'SEVENOAKS' }), 'Rose Cottage, Mill Lane, Knockholt');
    assert.equal(
      formatPpdAddress({ saon: 'FLAT 20', paon: 'CAVENDISH HOUSE', street: 'WOODSIDE GRANGE ROAD', locality: '', town: 'LONDON' }),
      'Flat 20, Cavendish House, Woodside Grange Road, London',
    );
    assert.equal(formatPpdAddress({ saon: '', paon: '12A', street: 'HIGH STREET', locality: '', town: 'BEVERLEY' }), '12A High Street, Beverley');
    assert.equal(titleCase("ST JOHN'S ROAD"), "St John's Road");
  });
});

describe('memoTitleCase', () => {
  it('answers as titleCase does, before and after it forgets', () => {
    const title = memoTitleCase(2);
    for (const text of ["ST JOHN'S ROAD", 'FLAT 12A', "ST JOHN'S ROAD", 'DIDSBURY', 'FLAT 12A', '']) assert.equal(title(text), titleCase(text));
    assert.equal(
      formatPpdAddress({ saon: 'FLAT 3', paon: '12', street: 'HIGH STREET', locality: 'DIDSBURY', town: 'MANCHESTER' }, title),
      formatPpdAddress({ saon: 'FLAT 3', paon: '12', street: 'HIGH STREET', locality: 'DIDSBURY', town: 'MANCHESTER' }),
    );
  });
});
