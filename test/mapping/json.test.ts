import { describe, expect, it } from 'vitest';
import { DecimalLiteral, decimalValue, stringifyV2 } from '../../src/v2/json.js';

describe('stringifyV2', () => {
  it('writes a DecimalLiteral as its exact text', () => {
    const body = { data: [{ Annual_Revenue: new DecimalLiteral('12345678901234567.123456789'), Name: 'x' }] };
    expect(stringifyV2(body)).toBe('{"data":[{"Annual_Revenue":12345678901234567.123456789,"Name":"x"}]}');
  });

  it('is JSON.stringify for everything else, indentation included', () => {
    const v = { a: 1, b: [true, null, 'q"\u0000'], c: { d: 1.5 }, u: undefined, when: new Date(0) };
    expect(stringifyV2(v)).toBe(JSON.stringify(v));
    expect(stringifyV2(v, 2)).toBe(JSON.stringify(v, null, 2));
  });

  it('parses back (as the sandbox does) to the nearest double', () => {
    const text = stringifyV2({ x: new DecimalLiteral('-0.10000000000000000555'), y: [new DecimalLiteral('100.0')] });
    expect(JSON.parse(text)).toEqual({ x: -0.1, y: [100] });
  });

  it('does not touch strings that merely look like the placeholder', () => {
    const tricky = { s: '\u0000dec123:5', t: new DecimalLiteral('5.50') };
    expect(JSON.parse(stringifyV2(tricky))).toEqual({ s: '\u0000dec123:5', t: 5.5 });
    expect(stringifyV2(tricky)).toContain('"t":5.50');
  });

  it('plain JSON.stringify falls back to a number via toJSON', () => {
    expect(JSON.stringify({ x: new DecimalLiteral('1.25') })).toBe('{"x":1.25}');
    expect(stringifyV2(new DecimalLiteral('7.10'))).toBe('7.10');
  });

  it('rejects non-decimal text', () => {
    expect(() => new DecimalLiteral('1e5')).toThrow(TypeError);
    expect(() => new DecimalLiteral('abc')).toThrow(TypeError);
  });
});

describe('decimalValue', () => {
  it.each([
    ['100', 100],
    ['100.0', 100],
    ['0.50', 0.5],
    ['-7.25', -7.25],
    ['007', 7],
  ])('%s → plain number %s', (text, n) => {
    expect(decimalValue(text)).toBe(n);
  });

  it.each(['12345678901234567.123456789', '9007199254740993', '0.1000000000000000055511'])('%s keeps every digit', (text) => {
    const v = decimalValue(text);
    expect(v).toBeInstanceOf(DecimalLiteral);
    expect((v as DecimalLiteral).text).toBe(text);
  });
});
