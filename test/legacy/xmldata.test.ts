import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LegacyRequestError } from '../../src/errors.js';
import { legacyErrors } from '../../src/legacy/errors.js';
import { formDecode } from '../../src/legacy/form.js';
import { parseXmlData, renderXmlData } from '../../src/legacy/xmldata.js';
import type { LegacyField } from '../../src/legacy/types.js';
import { legacyErrorOf } from '../../src/mapping/results.js';

const payloadDir = join(import.meta.dirname, '../../samples/payloads');
const index = JSON.parse(readFileSync(join(payloadDir, 'index.json'), 'utf8')) as {
  payloads: { file: string; module: string; method: string; params: Record<string, string>; seed: string; urlEncoded?: boolean }[];
};
const xmlDataError = legacyErrors.badParameter('xmlData');

function loadPayload(file: string, urlEncoded?: boolean): string {
  const raw = readFileSync(join(payloadDir, file), 'utf8');
  return urlEncoded ? formDecode(raw) : raw;
}

const value = (fields: LegacyField[], label: string): unknown => fields.find((f) => f.label === label)?.value;

describe('seed payloads (samples/payloads)', () => {
  it('lists every payload file once, with insert and update methods', () => {
    expect(index.payloads.length).toBeGreaterThanOrEqual(31);
    expect(new Set(index.payloads.map((p) => p.file)).size).toBe(index.payloads.length);
    expect(new Set(index.payloads.map((p) => p.method))).toEqual(new Set(['insertRecords', 'updateRecords']));
    for (const p of index.payloads.filter((x) => x.method === 'updateRecords' && x.params.version !== '4')) {
      expect(p.params.id, p.file).toMatch(/^\d+$/);
    }
  });
  it.each(index.payloads.map((p) => [p.file, p] as const))('%s parses', (_file, p) => {
    const parsed = parseXmlData(loadPayload(p.file, p.urlEncoded));
    expect(parsed.rows.length).toBeGreaterThan(0);
    expect(parsed.droppedRows).toBe(0);
    for (const row of parsed.rows) expect(row.fields.length).toBeGreaterThan(0);
    // The root is the module by convention, except the custom module example.
    if (p.module !== 'CustomModule1') expect(parsed.root).toBe(p.module);
  });
  it('reads CDATA by POST and by GET to the same value', () => {
    const post = parseXmlData(loadPayload('001-contacts-cdata-post.xml'));
    const get = parseXmlData(loadPayload('001-contacts-cdata-get.xml', true));
    expect(value(post.rows[0].fields, 'Account Name')).toBe('"A & A"');
    expect(get).toEqual(post);
  });
  it('reads product rows in order', () => {
    const parsed = parseXmlData(loadPayload('001-quotes-two-products.xml'));
    const products = value(parsed.rows[0].fields, 'Product Details') as { no: string; fields: LegacyField[] }[];
    expect(products.map((p) => p.no)).toEqual(['1', '2']);
    expect(value(products[1].fields, 'Product Id')).toBe('269840000000128149');
    expect(products[0].fields.map((f) => f.label).slice(0, 3)).toEqual(['Product Id', 'Product Name', 'Unit Price']);
  });
  it('keeps ids and leading zeros as text', () => {
    const parsed = parseXmlData(loadPayload('001-leads-all-fields.xml'));
    expect(value(parsed.rows[0].fields, 'Phone')).toBe('04422334455');
    expect(value(parsed.rows[0].fields, 'Annual Revenue')).toBe('100.0');
    expect(value(parsed.rows[0].fields, 'SMOWNERID')).toBe('2000000016714');
  });
  it('reads 100 rows, each with its no', () => {
    const parsed = parseXmlData(loadPayload('001-leads-100-rows.xml'));
    expect(parsed.rows.map((r) => r.no)).toEqual(Array.from({ length: 100 }, (_, i) => String(i + 1)));
  });
});

describe('parseXmlData quirks', () => {
  it.each<[string, string, unknown]>([
    ['lower-case fl and ROW', '<Leads><ROW no="1"><fl val="Last Name">x</fl></ROW></Leads>', [{ no: '1', fields: [{ label: 'Last Name', value: 'x' }] }]],
    ['single-quoted attributes', "<Leads><row no='3'><FL val='Last Name'>x</FL></row></Leads>", [{ no: '3', fields: [{ label: 'Last Name', value: 'x' }] }]],
    ['prolog, BOM and leading whitespace', '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n  <Leads>\n  <row no="1">\n    <FL val="A">x</FL>\n  </row>\n</Leads>', [{ no: '1', fields: [{ label: 'A', value: 'x' }] }]],
    ['leading newline and indentation', '\n<Leads>\n  <row no="1"><FL val="A">x</FL></row></Leads>', [{ no: '1', fields: [{ label: 'A', value: 'x' }] }]],
    ['CDATA with surrounding whitespace', '<L><row no="1"><FL val="A"> <![CDATA["A & A"]]> </FL></row></L>', [{ no: '1', fields: [{ label: 'A', value: '"A & A"' }] }]],
    ['whitespace inside CDATA kept', '<L><row no="1"><FL val="A">\n <![CDATA[ x \n]]>\n</FL></row></L>', [{ no: '1', fields: [{ label: 'A', value: ' x \n' }] }]],
    ['entities and references', '<L><row no="1"><FL val="A">&amp; &lt; &gt; &quot; &apos; &#38; &#x26; &#x4E2D; &#x1F600;</FL></row></L>', [{ no: '1', fields: [{ label: 'A', value: '& < > " \' & & 中 😀' }] }]],
    ['entities in labels', '<L><row no="1"><FL val="A &amp; B">x</FL></row></L>', [{ no: '1', fields: [{ label: 'A & B', value: 'x' }] }]],
    ['text trimmed, references survive', '<L><row no="1"><FL val="A">  a b \n</FL><FL val="B">&#32;x&#32;</FL></row></L>', [{ no: '1', fields: [{ label: 'A', value: 'a b' }, { label: 'B', value: ' x ' }] }]],
    ['missing no = 1-based position', '<L><row><FL val="A">1</FL></row><row no="x9"><FL val="A">2</FL></row><row><FL val="A">3</FL></row></L>', [{ no: '1', fields: [{ label: 'A', value: '1' }] }, { no: 'x9', fields: [{ label: 'A', value: '2' }] }, { no: '3', fields: [{ label: 'A', value: '3' }] }]],
    ['labels exact, repeated labels kept in order', '<L><row no="1"><FL val="ID">1</FL><FL val="Id">2</FL><FL val="Id">3</FL></row></L>', [{ no: '1', fields: [{ label: 'ID', value: '1' }, { label: 'Id', value: '2' }, { label: 'Id', value: '3' }] }]],
    ['empty row kept without fields', '<L><row no="1"/></L>', [{ no: '1', fields: [] }]],
    ['empty and self-closing FL are empty strings', '<L><row no="1"><FL val="A"></FL><FL val="B"/><FL val="C">  </FL></row></L>', [{ no: '1', fields: [{ label: 'A', value: '' }, { label: 'B', value: '' }, { label: 'C', value: '' }] }]],
    ['comments ignored', '<!-- c --><L><!-- c --><row no="1"><FL val="A">a<!-- c -->b</FL></row></L>', [{ no: '1', fields: [{ label: 'A', value: 'ab' }] }]],
    ['product rows with missing no', '<L><row no="1"><FL val="Product Details"><product><FL val="Product Id">5</FL></product><product no="9"/></FL></row></L>', [{ no: '1', fields: [{ label: 'Product Details', value: [{ no: '1', fields: [{ label: 'Product Id', value: '5' }] }, { no: '9', fields: [] }] }] }]],
    ['no attribute value echoed verbatim', '<L><row no=" 01 "><FL val="A">x</FL></row></L>', [{ no: ' 01 ', fields: [{ label: 'A', value: 'x' }] }]],
  ])('%s', (_name, xml, rows) => {
    expect(parseXmlData(xml).rows).toEqual(rows);
  });
  it('returns the root name as sent, unchecked', () => {
    expect(parseXmlData('<CustomModule><row no="1"><FL val="A">x</FL></row></CustomModule>').root).toBe('CustomModule');
  });
  it('keeps the first maxRows rows and counts the rest', () => {
    const rows = Array.from({ length: 105 }, (_, i) => `<row no="${i + 1}"><FL val="A">${i}</FL></row>`).join('');
    const parsed = parseXmlData(`<Leads>${rows}</Leads>`);
    expect(parsed.rows).toHaveLength(100);
    expect(parsed.rows[99].no).toBe('100');
    expect(parsed.droppedRows).toBe(5);
    expect(parseXmlData(`<Leads>${rows}</Leads>`, { maxRows: 2 }).droppedRows).toBe(103);
  });
});

describe('parseXmlData errors → 4600 "xmlData"', () => {
  const nested = (depth: number): string => {
    let inner = 'x';
    for (let i = depth; i > 3; i -= 1) inner = `<d${i}>${inner}</d${i}>`;
    return `<L><row no="1"><FL val="A">${inner}</FL></row></L>`;
  };
  it.each<[string, string | undefined, object?]>([
    ['missing', undefined],
    ['empty', ''],
    ['blank', '  \n '],
    ['not XML', 'Last Name=Smith'],
    ['unclosed', '<Leads><row no="1"><FL val="A">x</FL></row>'],
    ['mismatched tags', '<Leads><row no="1"><FL val="A">x</fl></row></Leads>'],
    ['unquoted attribute (the seeds\' damaged no=1)', '<Leads><row no=1><FL val="A">x</FL></row></Leads>'],
    ['bare &', '<Leads><row no="1"><FL val="A">A & A</FL></row></Leads>'],
    ['undeclared entity', '<Leads><row no="1"><FL val="A">&nbsp;</FL></row></Leads>'],
    ['reference to an illegal character', '<Leads><row no="1"><FL val="A">&#0;</FL></row></Leads>'],
    ['DOCTYPE', '<!DOCTYPE Leads><Leads><row no="1"><FL val="A">x</FL></row></Leads>'],
    ['ENTITY declaration', '<?xml version="1.0"?><!DOCTYPE L [<!ENTITY e "boom">]><L><row no="1"><FL val="A">&e;</FL></row></L>'],
    ['external entity', '<!DOCTYPE L [<!ENTITY x SYSTEM "file:///etc/passwd">]><L><row><FL val="A">&x;</FL></row></L>'],
    ['two roots', '<L><row no="1"/></L><M/>'],
    ['text after the root', '<L><row no="1"/></L>junk'],
    ['no rows', '<Leads></Leads>'],
    ['only other elements', '<Leads><record no="1"/></Leads>'],
    ['oversize', `<L><row no="1"><FL val="A">${'x'.repeat(200)}</FL></row></L>`, { maxBytes: 100 }],
    ['oversize by multi-byte characters', `<L><row no="1"><FL val="A">${'中'.repeat(40)}</FL></row></L>`, { maxBytes: 100 }],
    ['over-deep (9 > 8)', nested(9)],
    ['very deep', '<a>'.repeat(5000) + '</a>'.repeat(5000)],
  ])('%s', (_name, xml, limits) => {
    let thrown: unknown;
    try {
      parseXmlData(xml, limits);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(LegacyRequestError);
    expect(legacyErrorOf(thrown)).toEqual(xmlDataError);
  });
  it('accepts exactly maxDepth levels', () => {
    const nested8 = '<L><row no="1"><FL val="A"><d4><d5><d6><d7><d8>x</d8></d7></d6></d5></d4></FL></row></L>';
    expect(parseXmlData(nested8).rows[0].fields[0].label).toBe('A');
  });
  it('accepts a DOCTYPE-like string inside CDATA', () => {
    expect(parseXmlData('<L><row no="1"><FL val="A"><![CDATA[<!DOCTYPE x>]]></FL></row></L>').rows[0].fields[0].value).toBe('<!DOCTYPE x>');
  });
});

describe('round trip: any value survives renderXmlData → parseXmlData', () => {
  // XML-legal characters only (\t \n \r among the controls), 4-byte UTF-8 included; text is trimmed, so values
  // have no XML whitespace at either end.
  const legalChar = fc.oneof(
    fc.constantFrom('&', '<', '>', ']', ']]>', '"', "'", '\t', '\n', '\r', '\r\n', ' ', '%26', '+', '😀', '中', '\u00a0', '\u2028'),
    fc.string({ unit: 'grapheme', maxLength: 3 }),
    fc.string({ unit: 'binary', maxLength: 3 }).map((s) => s.replace(/[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '')),
  );
  const value = fc
    .array(legalChar, { maxLength: 12 })
    .map((parts) => parts.join('').replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, ''));
  const label = fc.string({ maxLength: 12 }).map((s) => s.replace(/[^\u0020-\ud7ff\ue000-\ufffd]/gu, ''));

  it.each([false, true])('cdata=%s', (cdataMode) => {
    fc.assert(
      fc.property(fc.array(fc.tuple(label, value), { minLength: 1, maxLength: 4 }), (pairs) => {
        const fields = pairs.map(([l, v]) => ({ label: l, value: v }));
        const xml = renderXmlData('Leads', [{ no: '1', fields }], { cdata: cdataMode });
        const parsed = parseXmlData(xml);
        expect(parsed.rows).toEqual([{ no: '1', fields }]);
      }),
      { numRuns: 300 },
    );
  });
});
