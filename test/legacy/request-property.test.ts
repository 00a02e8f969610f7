/**
 * Property: whatever arrives — every request shape (query, form, raw, multipart, JSON parameters, XML body),
 * random bytes, declared charsets, truncations and byte damage — the request parser and the xmlData scanner
 * either return or throw a LegacyRequestError (the legacy error the old client understands); nothing else
 * escapes. And their time grows linearly: a generated request repeated 8× costs at most ~8× (ratio < 22, see
 * test/support/growth.ts). Fixed seeds so CI cannot flicker.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LegacyRequestError } from '../../src/errors.js';
import { parseLegacyRequest, type RawHttpRequest } from '../../src/legacy/request.js';
import { parseXmlData } from '../../src/legacy/xmldata.js';
import { growthRatio, LINEAR_LIMIT } from '../support/growth.js';
import { validDocument } from './xmldata-generators.js';

const CONTENT_TYPES = [
  undefined,
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=ISO-8859-1',
  'application/x-www-form-urlencoded; charset=windows-1252',
  'application/x-www-form-urlencoded; charset=utf-16be',
  'multipart/form-data; boundary=XyZ',
  'multipart/form-data; boundary="a b"',
  'multipart/form-data',
  'text/xml',
  'application/xml; charset=utf-16',
  'application/json',
  'text/plain; charset=x-nonsense',
];

/** A body in one of the shapes old clients send, built around an xmlData document. */
const shapedBody = fc.tuple(validDocument, fc.constantFrom('form', 'raw', 'multipart', 'json', 'xml', 'utf16'), fc.string({ maxLength: 20 })).map(([xml, shape, extra]) => {
  switch (shape) {
    case 'form':
      return `authtoken=t&scope=crmapi&xmlData=${encodeURIComponent(xml)}&x=${encodeURIComponent(extra)}`;
    case 'raw':
      return `authtoken=t&scope=crmapi&xmlData=${xml}&${extra}`;
    case 'multipart':
      return `--XyZ\r\nContent-Disposition: form-data; name="xmlData"\r\n\r\n${xml}\r\n--XyZ\r\nContent-Disposition: form-data; name="x"\r\n\r\n${extra}\r\n--XyZ--`;
    case 'json':
      return JSON.stringify({ authtoken: 't', scope: 'crmapi', xmlData: xml, x: extra });
    case 'xml':
      return xml;
    default:
      return `\ufeff${xml}`;
  }
});

/** Damage: truncation, a random byte overwritten, random bytes appended. */
const damaged = fc.tuple(shapedBody, fc.constantFrom('none', 'truncate', 'byte', 'append'), fc.nat(), fc.uint8Array({ maxLength: 16 })).map(([body, how, at, bytes]) => {
  const buf = Buffer.from(body, 'utf8');
  if (how === 'truncate') return buf.subarray(0, at % (buf.length + 1));
  if (how === 'byte' && buf.length > 0) {
    const copy = Buffer.from(buf);
    copy[at % copy.length] = bytes[0] ?? 0;
    return copy;
  }
  if (how === 'append') return Buffer.concat([buf, Buffer.from(bytes)]);
  return buf;
});

const requestArb = fc.record({
  method: fc.constantFrom('GET', 'POST'),
  url: fc.oneof(
    fc.constantFrom('/crm/private/xml/Leads/insertRecords', '/crm/private/json/Contacts/updateRecords?version=4', '/crm/private/xml/Leads/insertRecords?xmlData=<a>&b=<!---->&c'),
    fc.string({ maxLength: 40 }).map((q) => `/crm/private/xml/Leads/insertRecords?${q}`),
    fc.string({ maxLength: 40 }),
  ),
  contentType: fc.constantFrom(...CONTENT_TYPES),
  body: fc.oneof(damaged, fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b))),
});

function toRaw(r: { method: string; url: string; contentType?: string; body: Buffer }): RawHttpRequest {
  return { method: r.method, url: r.url, headers: r.contentType ? { 'content-type': r.contentType } : {}, body: r.body };
}

/** Parse the request and its xmlData; only a LegacyRequestError may come out. */
function parseAll(raw: RawHttpRequest): void {
  try {
    const call = parseLegacyRequest(raw);
    if (call.xmlData !== undefined) parseXmlData(call.xmlData);
  } catch (error) {
    if (!(error instanceof LegacyRequestError)) throw error;
  }
}

describe('request parser and xmlData scanner under random and damaged input', () => {
  it('never throw anything but a legacy error', () => {
    fc.assert(
      fc.property(requestArb, (r) => {
        expect(() => parseAll(toRaw(r))).not.toThrow();
      }),
      { numRuns: 1500, seed: 20261130 },
    );
  });

  it('take time linear in the input (the generated request repeated 8×)', () => {
    fc.assert(
      fc.property(requestArb, (r) => {
        // Repeat the body's bytes: n copies of the same (damaged) shape, the worst the shape allows to grow.
        const ratio = growthRatio(
          (n) => toRaw({ ...r, body: Buffer.concat(Array.from({ length: n }, () => r.body)) }),
          (raw) => parseAll(raw),
          40,
        );
        expect(ratio).toBeLessThan(LINEAR_LIMIT);
      }),
      { numRuns: 12, seed: 20261130 },
    );
  });
});
