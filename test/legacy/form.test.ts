import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formDecode } from '../../src/legacy/form.js';

/**
 * The servlet decoding rules written the slow, obvious way (the implementation before formDecode got its
 * decodeURIComponent fast path): `+` → space, runs of `%XX` → bytes → UTF-8 with U+FFFD for invalid sequences,
 * any other `%` literal.
 */
function servletReference(text: string): string {
  const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  const isHex = (s: string): boolean => /^[0-9a-fA-F]{2}$/.test(s);
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '%' && isHex(text.slice(i + 1, i + 3))) {
      const bytes: number[] = [];
      while (text[i] === '%' && isHex(text.slice(i + 1, i + 3))) {
        bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
        i += 3;
      }
      out += decoder.decode(Uint8Array.from(bytes));
      continue;
    }
    out += text[i] === '+' ? ' ' : text[i];
    i += 1;
  }
  return out;
}

describe('formDecode', () => {
  it.each([
    ['', ''],
    ['plain', 'plain'],
    ['a+b++c', 'a b  c'],
    ['%2B+%2b', '+ +'],
    ['%20%2520', ' %20'],
    ['%E4%B8%AD%F0%9F%98%80', '中😀'],
    ['%EF%BB%BFx', '\ufeffx'], // a BOM is data, kept
    ['100%', '100%'],
    ['100%+sure', '100% sure'], // stray % (fallback) and + in the same text
    ['%zz%2', '%zz%2'],
    ['%', '%'],
    ['%%41', '%A'],
    ['%26%2526', '&%26'],
    ['%FF', '\ufffd'],
    ['%C3+%A9', '\ufffd \ufffd'], // a sequence cut by a space
    ['%C3%A9%C3', 'é\ufffd'], // truncated at the end
    ['%C0%AF', '\ufffd\ufffd'], // overlong
    ['%ED%A0%80', '\ufffd\ufffd\ufffd'], // encoded surrogate
    ['%F4%90%80%80', '\ufffd\ufffd\ufffd\ufffd'], // beyond U+10FFFF
    ['é%C3%A9+中', 'éé 中'], // literal non-ASCII passes through
  ])('formDecode(%j) = %j', (input, output) => {
    expect(formDecode(input)).toBe(output);
    expect(servletReference(input)).toBe(output);
  });

  it('decodes exactly once: the output is never decoded again', () => {
    expect(formDecode('%2541')).toBe('%41');
    expect(formDecode(formDecode('%252B'))).toBe('+');
  });

  it('agrees with the servlet rules on any input (fast path or fallback)', () => {
    const piece = fc.oneof(
      fc.constantFrom('%', '+', '%2', '%2B', '%25', '%20', '%C3', '%A9', '%c3%a9', '%E4%B8%AD', '%F0%9F%98%80', '%FF', '%ED%A0%80', '%EF%BB%BF', '%zz', '&', '=', '中', '😀'),
      fc.string({ maxLength: 4 }),
      fc.string({ unit: 'grapheme', maxLength: 3 }).map((s) => encodeURIComponent(s)),
      fc.uint8Array({ maxLength: 4 }).map((bytes) => Array.from(bytes, (b) => `%${b.toString(16).padStart(2, '0')}`).join('')),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), (pieces) => {
        const text = pieces.join('');
        expect(formDecode(text)).toBe(servletReference(text));
      }),
      { numRuns: 2000 },
    );
  });
});
