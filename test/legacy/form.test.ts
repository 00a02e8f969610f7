import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LegacyRequestError } from '../../src/errors.js';
import { formDecode } from '../../src/legacy/form.js';
import { parseMultipart } from '../../src/legacy/multipart.js';

/**
 * The servlet decoding rules written the slow, obvious way (the implementation before formDecode got its
 * decodeURIComponent fast path): `+` → space, runs of `%XX` → bytes → UTF-8, any other `%` literal. Invalid
 * UTF-8 throws (the input-hygiene rule: a 4600, never U+FFFD).
 */
function servletReference(text: string): string {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
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
    ['é%C3%A9+中', 'éé 中'], // literal non-ASCII passes through
  ])('formDecode(%j) = %j', (input, output) => {
    expect(formDecode(input)).toBe(output);
    expect(servletReference(input)).toBe(output);
  });

  it.each([
    ['%FF'],
    ['%C3+%A9'], // a sequence cut by a space
    ['%C3%A9%C3'], // truncated at the end
    ['%C0%AF'], // overlong
    ['%ED%A0%80'], // encoded surrogate
    ['%F4%90%80%80'], // beyond U+10FFFF
    ['100%+%FF'], // stray % and invalid bytes together (the servlet loop)
  ])('formDecode(%j) is a 4600 naming the parameter, never U+FFFD', (input) => {
    expect(() => formDecode(input, 'utf-8', 'Last')).toThrow(LegacyRequestError);
    expect(() => formDecode(input, 'utf-8', 'wfTrigger')).toThrow(/wfTrigger/);
  });

  it.each([
    ['iso-8859-1', 'V%E4ster%E5s', 'Västerås'],
    ['ISO-8859-1', '%80%9F%FF', '\u0080\u009f\u00ff'], // latin1 maps every byte to the same code point
    ['windows-1252', '%80%82%85%8A%91%92%93%94%99%9F', '€‚…Š‘’“”™Ÿ'],
    ['cp1252', 'V%E4ster%E5s', 'Västerås'],
    ['utf-8', 'V%C3%A4ster%C3%A5s', 'Västerås'],
    ['us-ascii', 'a%41', 'aA'],
  ])('percent-escapes decode in the declared charset %s: %j → %j', (charset, input, output) => {
    expect(formDecode(input, charset)).toBe(output);
  });

  it.each([
    ['windows-1252', '%81'], // the five unassigned windows-1252 bytes
    ['windows-1252', '%8D'],
    ['windows-1252', '%8F'],
    ['windows-1252', '%90'],
    ['windows-1252', '%9D'],
    ['us-ascii', '%E4'],
    ['utf-8', 'V%E4ster%E5s'], // latin1 bytes sent without declaring latin1
    ['x-unknown-charset', '%41'],
  ])('undecodable in %s: %j is a 4600', (charset, input) => {
    expect(() => formDecode(input, charset)).toThrow(LegacyRequestError);
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
        const run = (decode: (t: string) => string) => {
          try {
            return decode(text);
          } catch (error) {
            return error instanceof LegacyRequestError || error instanceof TypeError ? 'rejected' : String(error);
          }
        };
        expect(run(formDecode)).toBe(run(servletReference));
      }),
      { numRuns: 2000 },
    );
  });
});

// The input-hygiene rule for the names of multipart file parts (their bytes stay bytes): the field name and the
// file name are strict UTF-8 with XML characters only, like every parameter; RFC 5987 `filename*` is decoded.
describe('multipart file part names', () => {
  const part = (disposition: Buffer | string) =>
    Buffer.concat([Buffer.from('--B\r\nContent-Disposition: form-data; name="content"; ', 'latin1'), Buffer.from(disposition as string, typeof disposition === 'string' ? 'utf8' : undefined), Buffer.from('\r\nContent-Type: text/plain\r\n\r\nhello\r\n--B--\r\n', 'latin1')]);
  const nameOf = (disposition: Buffer | string) => parseMultipart(part(disposition), 'B').files[0]?.fileName;

  it.each([
    ['plain ASCII', 'filename="notes.txt"', 'notes.txt'],
    ['UTF-8 bytes', 'filename="Västerås.txt"', 'Västerås.txt'],
    ['RFC 5987 UTF-8', "filename*=UTF-8''na%C3%AFve%20file.txt", 'naïve file.txt'],
    ['RFC 5987 ISO-8859-1', "filename*=iso-8859-1'en'caf%E9.txt", 'café.txt'],
    ['both: the extended one wins', "filename=\"fallback.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt", 'résumé.txt'],
  ])('%s', (_name, disposition, expected) => {
    expect(nameOf(disposition)).toBe(expected);
  });

  it.each([
    ['invalid UTF-8 bytes', Buffer.concat([Buffer.from('filename="a'), Buffer.from([0xff, 0xfe]), Buffer.from('.txt"')])],
    ['a control character', 'filename="a\u0001b.txt"'],
    ['invalid UTF-8 in filename*', "filename*=UTF-8''%FF%FE.txt"],
    ['an unknown charset in filename*', "filename*=x-klingon''abc.txt"],
  ])('%s → 4600 naming the parameter, never U+FFFD', (_name, disposition) => {
    let thrown: unknown;
    try {
      nameOf(disposition);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(LegacyRequestError);
    expect(thrown).toMatchObject({ reason: 'bad-parameter', parameter: 'content' });
  });
});
