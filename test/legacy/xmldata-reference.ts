/**
 * The REFERENCE xmlData parser: the fast-xml-parser based implementation that src/legacy/xmldata.ts used until its
 * single-pass scanner replaced it on the hot path. It is kept, unchanged in behaviour, only so the differential
 * property tests (test/legacy/xmldata-differential.test.ts) can check that the scanner gives the same rows and
 * rejects the same malformed input. Nothing in the bridge imports it.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { LegacyRequestError } from '../../src/errors.js';
import type { LegacyField, LegacyProductRow, LegacyRow, ParsedXmlData } from '../../src/legacy/types.js';
import { DEFAULT_XMLDATA_LIMITS, type XmlDataLimits } from '../../src/legacy/xmldata.js';

// fast-xml-parser v5 with preserveOrder: each node is `{ [tagName]: children[], ':@'?: attributes }`,
// `{ '#text': string }` or `{ '#cdata': [{ '#text': string }] }`.
type OrderedNode = Record<string, unknown>;
const ATTRS = ':@';
const TEXT = '#text';
const CDATA = '#cdata';

/**
 * Parses xmlData. Throws LegacyRequestError (4600 "xmlData") when it is missing, empty, too big, too deep,
 * malformed, declares a DOCTYPE/ENTITY, uses an undeclared entity, has no root element or has no `<row>`.
 * An empty `<row no="1"/>` is returned as a row without fields: the mapper answers 4401 / 4891 for it.
 */
export function parseXmlDataReference(xml: string | undefined, limits: XmlDataLimits = {}): ParsedXmlData {
  const { maxBytes, maxDepth, maxRows } = { ...DEFAULT_XMLDATA_LIMITS, ...definedOnly(limits) };
  if (xml === undefined || xml.trim() === '') reject('missing or empty');
  // Cheap upper bound first (UTF-8 needs at most 3 bytes per UTF-16 unit), exact count only when needed.
  if (xml.length * 3 > maxBytes && Buffer.byteLength(xml, 'utf8') > maxBytes) reject(`larger than ${maxBytes} bytes`);
  const text = xml.replace(/^\uFEFF/, '');
  assertNoDeclarations(text);
  const valid = XMLValidator.validate(text);
  if (valid !== true) reject(`malformed: ${valid.err.msg} (line ${valid.err.line}, col ${valid.err.col})`);

  let nodes: OrderedNode[];
  try {
    nodes = parserFor(maxDepth).parse(text) as OrderedNode[];
  } catch (error) {
    reject(`malformed: ${(error as Error).message}`);
  }
  const roots = nodes.filter((node) => elementName(node) !== undefined);
  if (roots.length !== 1) reject(roots.length === 0 ? 'no root element' : 'more than one root element');
  const root = roots[0];
  const rootName = elementName(root)!;
  assertDepth(root, 1, maxDepth);

  const rows: LegacyRow[] = [];
  let rowCount = 0;
  for (const child of children(root, rootName)) {
    if (elementName(child)?.toLowerCase() !== 'row') continue;
    rowCount += 1;
    if (rows.length < maxRows) rows.push(readRow(child, rowCount));
  }
  if (rowCount === 0) reject('no <row>');
  return { root: rootName, rows, droppedRows: rowCount - rows.length };
}

// ---------------------------------------------------------------------------------------------------------------

const parsers = new Map<number, XMLParser>();

function parserFor(maxDepth: number): XMLParser {
  let parser = parsers.get(maxDepth);
  if (parser === undefined) {
    parser = new XMLParser({
      preserveOrder: true, // FL order matters
      ignoreAttributes: false,
      attributeNamePrefix: '',
      parseTagValue: false, // never guess types from text
      parseAttributeValue: false,
      trimValues: false, // trimming is ours: whitespace inside CDATA is data
      cdataPropName: CDATA, // keep CDATA apart from text
      processEntities: false, // decoded by decodeEntities: predefined + numeric only, no DOCTYPE entities
      htmlEntities: false,
      ignoreDeclaration: true,
      ignorePiTags: true,
      // A safety net against pathological nesting; the exact limit is checked by assertDepth.
      maxNestedTags: maxDepth + 2,
    });
    parsers.set(maxDepth, parser);
  }
  return parser;
}

function readRow(node: OrderedNode, position: number): LegacyRow {
  return { no: attribute(node, 'no') ?? String(position), fields: readFields(node) };
}

function readFields(parent: OrderedNode): LegacyField[] {
  const name = elementName(parent)!;
  const fields: LegacyField[] = [];
  for (const child of children(parent, name)) {
    const childName = elementName(child);
    if (childName?.toLowerCase() !== 'fl') continue;
    fields.push({ label: attribute(child, 'val') ?? '', value: readValue(child, childName) });
  }
  return fields;
}

/** A product list when the FL holds `<product>` elements, else its text (CDATA kept, outer whitespace trimmed). */
function readValue(fl: OrderedNode, name: string): string | LegacyProductRow[] {
  const kids = children(fl, name);
  const products = kids.filter((kid) => elementName(kid)?.toLowerCase() === 'product');
  if (products.length > 0) {
    return products.map((product, index) => ({
      no: attribute(product, 'no') ?? String(index + 1),
      fields: readFields(product),
    }));
  }
  // Text and CDATA parts in order; other child elements are ignored.
  const parts: { text: string; cdata: boolean }[] = [];
  for (const kid of kids) {
    if (typeof kid[TEXT] === 'string') parts.push({ text: kid[TEXT] as string, cdata: false });
    else if (Array.isArray(kid[CDATA])) {
      const inner = (kid[CDATA] as OrderedNode[]).map((n) => (typeof n[TEXT] === 'string' ? (n[TEXT] as string) : '')).join('');
      parts.push({ text: inner, cdata: true });
    }
  }
  return joinTrimmed(parts);
}

/**
 * Concatenates text and CDATA parts, trimming XML whitespace only where it comes from raw text at either end:
 * `<FL> <![CDATA[ x ]]> </FL>` → " x ". Raw text is trimmed before entity decoding, so `&#32;` survives.
 */
function joinTrimmed(parts: { text: string; cdata: boolean }[]): string {
  let first = 0;
  let last = parts.length - 1;
  const trimmed = parts.map((part) => part.text);
  while (first <= last && !parts[first].cdata) {
    trimmed[first] = trimmed[first].replace(/^[ \t\r\n]+/, '');
    if (trimmed[first] !== '') break;
    first += 1;
  }
  while (last >= first && !parts[last].cdata) {
    trimmed[last] = trimmed[last].replace(/[ \t\r\n]+$/, '');
    if (trimmed[last] !== '') break;
    last -= 1;
  }
  let out = '';
  for (let i = first; i <= last; i += 1) out += parts[i].cdata ? trimmed[i] : decodeEntities(trimmed[i]);
  return out;
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The five predefined entities and numeric references; anything else (an undeclared entity) is malformed. */
function decodeEntities(text: string): string {
  if (text.indexOf('&') < 0) return text;
  return text.replace(/&([^;&\s]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) reject('bare "&"');
    if (name in PREDEFINED) return PREDEFINED[name];
    const numeric = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(name);
    if (numeric === null) reject(`undeclared entity &${name.slice(0, 20)};`);
    const code = numeric[1] !== undefined ? parseInt(numeric[1], 16) : parseInt(numeric[2], 10);
    if (!isXmlChar(code)) reject(`character reference to an illegal character (${name.slice(0, 12)})`);
    return String.fromCodePoint(code);
  });
}

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 || code === 0xa || code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** Rejects `<!DOCTYPE`, `<!ENTITY` or any other markup declaration outside comments and CDATA sections. */
function assertNoDeclarations(text: string): void {
  let pos = text.indexOf('<!');
  while (pos >= 0) {
    if (text.startsWith('<![CDATA[', pos)) {
      const end = text.indexOf(']]>', pos + 9);
      if (end < 0) return; // unterminated: the validator rejects it
      pos = text.indexOf('<!', end + 3);
    } else if (text.startsWith('<!--', pos)) {
      const end = text.indexOf('-->', pos + 4);
      if (end < 0) return;
      pos = text.indexOf('<!', end + 3);
    } else {
      reject(/^<!doctype/i.test(text.slice(pos, pos + 9)) ? 'DOCTYPE not allowed' : 'markup declaration not allowed');
    }
  }
}

function assertDepth(node: OrderedNode, depth: number, maxDepth: number): void {
  if (depth > maxDepth) reject(`nested deeper than ${maxDepth} elements`);
  const name = elementName(node)!;
  for (const child of children(node, name)) if (elementName(child) !== undefined) assertDepth(child, depth + 1, maxDepth);
}

/** The tag name of an element node; undefined for text, CDATA and comment nodes. */
function elementName(node: OrderedNode): string | undefined {
  for (const key of Object.keys(node)) {
    if (key !== ATTRS && key !== TEXT && key !== CDATA && !key.startsWith('?')) return key;
  }
  return undefined;
}

function children(node: OrderedNode, name: string): OrderedNode[] {
  const value = node[name];
  return Array.isArray(value) ? (value as OrderedNode[]) : [];
}

/** An attribute by case-insensitive name, entity-decoded (not trimmed: `no` is echoed verbatim). */
function attribute(node: OrderedNode, name: string): string | undefined {
  const attrs = node[ATTRS] as Record<string, unknown> | undefined;
  if (attrs === undefined) return undefined;
  for (const key of Object.keys(attrs)) {
    if (key.toLowerCase() === name && typeof attrs[key] === 'string') return decodeEntities(attrs[key] as string);
  }
  return undefined;
}

function reject(reason: string): never {
  throw new LegacyRequestError(`xmlData: ${reason}`, 'bad-parameter', { parameter: 'xmlData' });
}

function definedOnly(limits: XmlDataLimits): XmlDataLimits {
  const out: XmlDataLimits = {};
  if (limits.maxBytes !== undefined) out.maxBytes = limits.maxBytes;
  if (limits.maxDepth !== undefined) out.maxDepth = limits.maxDepth;
  if (limits.maxRows !== undefined) out.maxRows = limits.maxRows;
  return out;
}
