/** Breaker finding 2: the download's Content-Disposition carries any file name (RFC 6266), ASCII ones as before. */
import { parse } from 'content-disposition';
import { describe, expect, it } from 'vitest';
import { attachmentDisposition } from '../../src/v2/disposition.js';

describe('attachmentDisposition', () => {
  it.each([
    ['a.txt', 'attachment;filename="a.txt"'],
    ['b & c.txt', 'attachment;filename="b & c.txt"'],
    ['say "hi"\\.txt', 'attachment;filename="say _hi__.txt"'],
  ])('printable ASCII %j keeps the old bytes', (name, header) => {
    expect(attachmentDisposition(name)).toBe(header);
  });

  it.each(['日本.txt', 'résumé €.txt', 'Västerås "Q1".pdf', 'emoji 📎.bin', 'tab\there.txt'])('%j travels as filename* (UTF-8), header bytes ASCII only', (name) => {
    const header = attachmentDisposition(name);
    expect(header).toMatch(/^[\x20-\x7e]+$/);
    expect(header).toContain("filename*=UTF-8''");
    expect(parse(header).parameters.filename).toBe(name);
  });

  it('a CR or LF can never split the header', () => {
    for (const name of ['a\r\nSet-Cookie: x=1.txt', 'é\r\nX: y']) expect(attachmentDisposition(name)).not.toMatch(/[\r\n]/);
  });
});
