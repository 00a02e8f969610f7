/** decimalValue's fast path must agree with the exact rule: a number only when it prints back the same digits. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecimalLiteral, decimalValue } from '../../src/v2/json.js';

const canonical = (text: string): string => {
  const [i, f = ''] = text.replace(/^-/, '').split('.');
  const int = i.replace(/^0+(?=\d)/, '');
  const frac = f.replace(/0+$/, '');
  const body = frac ? `${int}.${frac}` : int;
  return (text.startsWith('-') && /[1-9]/.test(body) ? '-' : '') + body;
};

describe('decimalValue', () => {
  it('returns a number exactly when String(number) gives the canonical digits, else the literal', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.stringMatching(/^\d{1,20}$/), fc.option(fc.stringMatching(/^\d{1,12}$/)), (negative, int, frac) => {
        const text = `${negative ? '-' : ''}${int}${frac === null ? '' : `.${frac}`}`;
        const value = decimalValue(text);
        const exact = String(Number(text)) === canonical(text);
        if (exact) expect(value).toBe(Number(text));
        else expect(value).toEqual(new DecimalLiteral(text));
      }),
      { numRuns: 5000 },
    );
  });
  it('examples', () => {
    expect(decimalValue('1234.50')).toBe(1234.5);
    expect(decimalValue('-0.5')).toBe(-0.5);
    expect(decimalValue('100.0')).toBe(100);
    expect(decimalValue('0.0000001')).toEqual(new DecimalLiteral('0.0000001'));
    expect(decimalValue('12345678901234567.123456789')).toEqual(new DecimalLiteral('12345678901234567.123456789'));
  });
});
