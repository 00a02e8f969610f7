/**
 * xmlData → rows (docs/PROTOCOL.md §2 "xmlData"). Nothing is coerced: every value stays the exact text the client
 * sent (trimmed), ids included. Grammar:
 *
 *   <{Root}> <row no="N"> <FL val="Label">value</FL> … <FL val="Product Details"><product no="1"><FL …/>…
 *
 * Safe by default: DOCTYPE / ENTITY declarations are rejected outright (never expanded), only the five
 * predefined entities and numeric character references are decoded, and size, depth and row limits apply.
 * Every rejection is a LegacyRequestError 4600 "xmlData", as v1 answered malformed input.
 *
 * One pass, no intermediate tree: a small scanner for exactly this grammar checks well-formedness and builds the
 * rows as it goes. It reproduces what the earlier fast-xml-parser based implementation (kept as
 * test/legacy/xmldata-reference.ts, compared against this one by differential property tests) accepted and returned,
 * including its leniencies that are harmless here: `<`, `>` in attribute values, `]]>` and `--` in text or
 * comments, processing instructions anywhere, CDATA outside the root, a stray `=` between attributes, undeclared
 * `&name;` in text that is never read, and anything in attributes that are never read. Only the values read —
 * row/product `no`, FL `val`, FL text — are decoded, and decoding them is strict. It rejects the few inputs the
 * reference's validator and parser read two different ways (a quote inside a PI, `</x/>`, `<!--` hidden in an
 * attribute value, U+1680/U+FEFF inside a name) and `&toString;`-like names the reference looked up on
 * Object.prototype; test/legacy/xmldata-differential.test.ts lists them.
 */
import { LegacyRequestError } from '../errors.js';
import { firstIllegalChar } from './charset.js';
import { MAX_ROWS_PER_CALL, type LegacyField, type LegacyProductRow, type LegacyRow, type ParsedXmlData } from './types.js';

export interface XmlDataLimits {
  /** Largest accepted xmlData in UTF-8 bytes. Default 5 MiB. */
  maxBytes?: number;
  /** Deepest accepted element nesting, the root being depth 1 (the grammar needs 5). Default 8. */
  maxDepth?: number;
  /** Rows kept; later rows are counted in `droppedRows` (v1 considered only the first 100). Default 100. */
  maxRows?: number;
  /** Attributes allowed on one element (the grammar needs 1). Default 32. */
  maxAttributes?: number;
}

export const DEFAULT_XMLDATA_LIMITS: Required<XmlDataLimits> = {
  maxBytes: 5 * 1024 * 1024,
  maxDepth: 8,
  maxRows: MAX_ROWS_PER_CALL,
  maxAttributes: 32,
};

/**
 * Parses xmlData. Throws LegacyRequestError (4600 "xmlData") when it is missing, empty, too big, too deep,
 * malformed, declares a DOCTYPE/ENTITY, uses an undeclared entity, has no root element or has no `<row>`.
 * An empty `<row no="1"/>` is returned as a row without fields: the mapper answers 4401 / 4891 for it.
 */
export function parseXmlData(xml: string | undefined, limits: XmlDataLimits = {}, grammar: XmlDataGrammar = {}): ParsedXmlData {
  const { maxBytes, maxDepth, maxRows, maxAttributes } = { ...DEFAULT_XMLDATA_LIMITS, ...definedOnly(limits) };
  if (xml === undefined || xml.trim() === '') reject('missing or empty');
  // Cheap upper bound first (UTF-8 needs at most 3 bytes per UTF-16 unit), exact count only when needed.
  if (xml.length * 3 > maxBytes && Buffer.byteLength(xml, 'utf8') > maxBytes) reject(`larger than ${maxBytes} bytes`);
  let text = xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml;
  // Line ends are normalised first, everywhere (text, CDATA, attribute values), as XML parsers do: CR LF → LF,
  // lone CR → LF. A CR that must survive is sent as `&#13;`.
  if (text.indexOf('\r') >= 0) text = text.replace(/\r\n?/g, '\n');
  // The same characters that `&#…;` may name (legacy/charset.ts): a raw NUL is as wrong as `&#0;`.
  const illegal = firstIllegalChar(text);
  if (illegal >= 0) reject(`control or non-character U+${text.charCodeAt(illegal).toString(16).toUpperCase().padStart(4, '0')} at offset ${illegal}`);
  assertNoDeclarations(text);
  return scan(text, maxDepth, maxRows, maxAttributes, grammar.options === true);
}

/** Grammar extensions of particular methods. */
export interface XmlDataGrammar {
  /**
   * Also read `<option val="…">` elements of a row as fields marked `option` (convertLead's first row,
   * docs/PROTOCOL-READS.md §12). Elsewhere they are ignored like any unknown element. @default false
   */
  options?: boolean;
}

/**
 * Builds an xmlData document from rows (the inverse of parseXmlData): for samples, the converter's echo and
 * round-trip tests. Values are escaped as text (`&amp; &lt; &gt;`, and `&#13;` so a CR survives parsing), or, with
 * `cdata`, wrapped in CDATA sections split around `]]>` and CR. Pretty output is not a goal: one line.
 */
export function renderXmlData(root: string, rows: LegacyRow[], options: { cdata?: boolean } = {}): string {
  const value = options.cdata ? cdataValue : textValue;
  const fields = (list: LegacyField[]): string =>
    list
      .map((field) =>
        typeof field.value === 'string'
          ? `<FL val="${escapeAttr(field.label)}">${value(field.value)}</FL>`
          : `<FL val="${escapeAttr(field.label)}">${field.value.map((p) => `<product no="${escapeAttr(p.no)}">${fields(p.fields)}</product>`).join('')}</FL>`,
      )
      .join('');
  return `<${root}>${rows.map((row) => `<row no="${escapeAttr(row.no)}">${fields(row.fields)}</row>`).join('')}</${root}>`;
}

function textValue(value: string): string {
  return value.replace(/[&<>\r]/g, (ch) => (ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : ch === '>' ? '&gt;' : '&#13;'));
}

function cdataValue(value: string): string {
  if (value === '') return '';
  // A CR inside CDATA is normalised to LF by any XML parser, so it goes between sections as a reference.
  return value
    .split('\r')
    .map((part) => (part === '' ? '' : `<![CDATA[${part.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`))
    .join('&#13;');
}

function escapeAttr(value: string): string {
  return value.replace(/[&<"\r\n\t]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

// --- the scanner -------------------------------------------------------------------------------------------------

/** What an open element is for the rows being built. */
const IGNORED = 0; // not part of the grammar (or a row beyond maxRows): checked, never read
const ROOT = 1;
const ROW = 2;
const FIELD = 3; // <FL> directly inside a kept row or a product
const PRODUCT = 4; // <product> directly inside a FIELD

interface Part {
  text: string;
  cdata: boolean;
}

/** One open element. Fields are filled according to `kind`. */
class Frame {
  /** Fields of a ROW or PRODUCT. */
  fields: LegacyField[] | undefined = undefined;
  /** The LegacyField a FIELD frame fills on close. */
  field: LegacyField | undefined = undefined;
  /** FIELD: raw text since the last CDATA section (adjacent text is one part: trimming and decoding agree). */
  text = '';
  /** FIELD: text and CDATA parts, only once a CDATA section has been seen. */
  parts: Part[] | undefined = undefined;
  /** FIELD: its `<product>` rows, if any (then the text is ignored). */
  products: LegacyProductRow[] | undefined = undefined;

  constructor(
    readonly name: string,
    readonly kind: number,
  ) {}
}

// XML names as fast-xml-parser's validator accepted them (BMP only, `:` allowed).
const NAME_START = ':A-Za-z_\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD';
const NAME_CHAR = NAME_START + '\\-.\\d\\u00B7\\u0300-\\u036F\\u203F-\\u2040';
const XML_NAME = new RegExp(`^[${NAME_START}][${NAME_CHAR}]*$`);
/** Names that would pollute an object's prototype: rejected as element or attribute names (as before). */
const FORBIDDEN_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
/** Root names the previous object-based parser renamed to `__name`; the root is echoed as it was. */
const RENAMED_ROOTS = new Set(['hasOwnProperty', 'toString', 'valueOf', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);

const LT = 60; // <
const GT = 62; // >
const SLASH = 47;
const BANG = 33;
const QUESTION = 63;
const EQUALS = 61;
const DQUOTE = 34;
const SQUOTE = 39;

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 9 || code === 13;
}

/** Characters that end a tag name: XML whitespace, `>`, `/` (anything else, `=` included, is part of it). */
function endsTagName(code: number): boolean {
  return code === 32 || code === 10 || code === 9 || code === 13 || code === GT || code === SLASH;
}

/** Characters that end an attribute name: those and `=`. */
function endsName(code: number): boolean {
  return endsTagName(code) || code === EQUALS;
}

function isName(name: string): boolean {
  // Fast path for ASCII names ([A-Za-z_:][A-Za-z0-9_:.-]*), the regex for the rest.
  for (let i = 0; i < name.length; i += 1) {
    const c = name.charCodeAt(i);
    const letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
    if (letter || (i > 0 && ((c >= 48 && c <= 57) || c === 45 || c === 46))) continue;
    // U+1680 and U+FEFF are name characters to the old validator but whitespace to its parser, which then read
    // `<a\uFEFFb>` as element `a`: such names are rejected rather than read one way or the other.
    return c > 127 && XML_NAME.test(name) && !/[\u1680\uFEFF]/.test(name);
  }
  return name.length > 0;
}

/** `name` lower-cased equals `lower` (ASCII `lower`), without allocating for names of another length. */
function namedAs(name: string, lower: string): boolean {
  return name.length === lower.length && name.toLowerCase() === lower;
}

function scan(src: string, maxDepth: number, maxRows: number, maxAttributes: number, readOptions: boolean): ParsedXmlData {
  const n = src.length;
  const stack: Frame[] = [];
  const rows: LegacyRow[] = [];
  let rowCount = 0;
  let root: string | undefined;
  let rootClosed = false;
  let nextAmp = -2; // cached src.indexOf('&', …): -2 = not looked up yet, -1 = none left
  let pos = 0;

  /** Checks text between markup: where it may appear, and that every `&` starts a reference. */
  const text = (start: number, end: number, top: Frame | undefined): void => {
    if (top === undefined) {
      // Outside the root: whitespace only; after the root, also references (as the old validator let through).
      for (let i = start; i < end; i += 1) {
        const c = src.charCodeAt(i);
        if (isSpace(c)) continue;
        if (c === 38 && rootClosed) {
          i = referenceEnd(src, i);
          if (i < 0) reject('bad "&" after the root element');
          continue;
        }
        reject(root === undefined ? 'text before the root element' : 'text after the root element');
      }
      return;
    }
    if (nextAmp !== -1 && nextAmp < start) nextAmp = src.indexOf('&', start);
    while (nextAmp >= 0 && nextAmp < end) {
      const after = referenceEnd(src, nextAmp);
      if (after < 0) reject('bare "&" or malformed reference');
      nextAmp = src.indexOf('&', after + 1);
    }
    if (top.kind === FIELD) top.text += src.slice(start, end);
  };

  while (pos < n) {
    let lt = src.indexOf('<', pos);
    if (lt < 0) lt = n;
    const top = stack.length > 0 ? stack[stack.length - 1] : undefined;
    if (lt > pos) text(pos, lt, top);
    if (lt === n) break;
    const c1 = src.charCodeAt(lt + 1);

    if (c1 === SLASH) {
      // Closing tag: `</name` optional whitespace `>`, matching the open element exactly (case included).
      let i = lt + 2;
      while (i < n && !endsTagName(src.charCodeAt(i))) i += 1;
      const name = src.slice(lt + 2, i);
      while (i < n && isSpace(src.charCodeAt(i))) i += 1;
      if (src.charCodeAt(i) !== GT) reject(`closing tag </${name.slice(0, 40)}> not closed properly`);
      if (top === undefined) reject(`closing tag </${name.slice(0, 40)}> was never opened`);
      if (top.name !== name) reject(`expected </${top.name.slice(0, 40)}>, found </${name.slice(0, 40)}>`);
      stack.pop();
      close(top);
      if (stack.length === 0) rootClosed = true;
      pos = i + 1;
    } else if (c1 === QUESTION) {
      pos = processingInstruction(src, lt);
    } else if (c1 === BANG) {
      if (src.startsWith('<!--', lt)) {
        const end = src.indexOf('-->', lt + 4);
        if (end < 0) reject('comment not closed');
        pos = end + 3;
      } else if (src.startsWith('<![CDATA[', lt)) {
        const end = src.indexOf(']]>', lt + 9);
        if (end < 0) reject('CDATA section not closed');
        if (top !== undefined && top.kind === FIELD) {
          const parts = (top.parts ??= []);
          if (top.text !== '') parts.push({ text: top.text, cdata: false });
          parts.push({ text: src.slice(lt + 9, end), cdata: true });
          top.text = '';
        }
        pos = end + 3;
      } else {
        reject(/^<!doctype/i.test(src.slice(lt, lt + 9)) ? 'DOCTYPE not allowed' : 'markup declaration not allowed');
      }
    } else {
      pos = openTag(lt, top);
    }
  }

  if (stack.length > 0) reject(`unclosed element <${stack[stack.length - 1].name.slice(0, 40)}>`);
  if (root === undefined) reject('no root element');
  if (rowCount === 0) reject('no <row>');
  return { root, rows, droppedRows: rowCount - rows.length };

  /** Reads `<name attr="v" …>` or `<name … />` at `lt`; returns the position after it. */
  function openTag(lt: number, parent: Frame | undefined): number {
    let i = lt + 1;
    while (i < n && !endsTagName(src.charCodeAt(i))) i += 1;
    const name = src.slice(lt + 1, i);
    if (!isName(name)) reject(name === '' ? 'space or nothing after "<"' : `invalid element name ${JSON.stringify(name.slice(0, 40))}`);
    if (FORBIDDEN_NAMES.has(name)) reject(`element name ${name} not allowed`);

    // What this element is, decided before its attributes so only the attribute it needs is kept.
    let kind = IGNORED;
    let wanted = ''; // the attribute read from this element, lower-case
    if (parent === undefined) {
      if (root !== undefined) reject('more than one root element');
      root = RENAMED_ROOTS.has(name) ? `__${name}` : name;
      kind = ROOT;
    } else if (parent.kind === ROOT) {
      if (namedAs(name, 'row')) {
        rowCount += 1;
        if (rows.length < maxRows) {
          kind = ROW;
          wanted = 'no';
        }
      }
    } else if (parent.kind === ROW || parent.kind === PRODUCT) {
      // `<option val="…">` sits beside the FLs of convertLead's first row (docs/PROTOCOL-READS.md §12).
      if (namedAs(name, 'fl') || (readOptions && parent.kind === ROW && namedAs(name, 'option'))) {
        kind = FIELD;
        wanted = 'val';
      }
    } else if (parent.kind === FIELD && namedAs(name, 'product')) {
      kind = PRODUCT;
      wanted = 'no';
    }
    if (stack.length + 1 > maxDepth) reject(`nested deeper than ${maxDepth} elements`);

    // Attributes: (whitespace name whitespace? = whitespace? quoted-value)* whitespace? /? >
    let wantedValue: string | undefined;
    // Attribute names seen (duplicates are malformed): a Set, and at most maxAttributes of them, so a tag with
    // tens of thousands of attributes costs neither quadratic comparisons nor memory.
    let seen: Set<string> | undefined;
    let selfClosing = false;
    for (;;) {
      if (i >= n) reject(`tag <${name.slice(0, 40)}> not closed`);
      let c = src.charCodeAt(i);
      if (c === GT) break;
      if (c === SLASH) {
        if (src.charCodeAt(i + 1) !== GT) reject(`stray "/" in tag <${name.slice(0, 40)}>`);
        selfClosing = true;
        i += 1;
        break;
      }
      if (c === EQUALS) {
        // A stray `=` where a name could start was skipped by the old validator and parser alike.
        i += 1;
        continue;
      }
      if (!isSpace(c)) reject(`attributes of <${name.slice(0, 40)}> need whitespace between them`);
      while (i < n && isSpace(src.charCodeAt(i))) i += 1;
      c = src.charCodeAt(i);
      if (c === GT || c === SLASH || c === EQUALS || i >= n) continue;
      const nameStart = i;
      while (i < n && !endsName(src.charCodeAt(i))) i += 1;
      const attr = src.slice(nameStart, i);
      if (!isName(attr)) reject(`invalid attribute name ${JSON.stringify(attr.slice(0, 40))}`);
      if (FORBIDDEN_NAMES.has(attr)) reject(`attribute name ${attr} not allowed`);
      while (i < n && isSpace(src.charCodeAt(i))) i += 1;
      if (src.charCodeAt(i) !== EQUALS) reject(`attribute ${attr.slice(0, 40)} without a value`);
      i += 1;
      while (i < n && isSpace(src.charCodeAt(i))) i += 1;
      const quote = src.charCodeAt(i);
      if (quote !== DQUOTE && quote !== SQUOTE) reject(`attribute ${attr.slice(0, 40)} without a quoted value`);
      const close = src.indexOf(quote === DQUOTE ? '"' : "'", i + 1);
      if (close < 0) reject(`attribute ${attr.slice(0, 40)} has an open quote`);
      const value = src.slice(i + 1, close);
      if (seen === undefined) seen = new Set([attr]);
      else if (seen.has(attr)) reject(`attribute ${attr.slice(0, 40)} repeated`);
      else if (seen.size >= maxAttributes) reject(`more than ${maxAttributes} attributes on <${name.slice(0, 40)}>`);
      else seen.add(attr);
      if (wantedValue === undefined && wanted !== '' && namedAs(attr, wanted)) wantedValue = value;
      i = close + 1;
    }

    const frame = new Frame(name, kind);
    if (kind === ROW) {
      frame.fields = [];
      rows.push({ no: wantedValue === undefined ? String(rowCount) : decodeEntities(wantedValue), fields: frame.fields });
    } else if (kind === FIELD) {
      frame.field = { label: wantedValue === undefined ? '' : decodeEntities(wantedValue), value: '' };
      if (!namedAs(name, 'fl')) frame.field.option = true;
      parent!.fields!.push(frame.field);
    } else if (kind === PRODUCT) {
      const products = (parent!.products ??= []);
      frame.fields = [];
      products.push({ no: wantedValue === undefined ? String(products.length + 1) : decodeEntities(wantedValue), fields: frame.fields });
    }
    if (selfClosing) close(frame);
    else stack.push(frame);
    return i + 1;
  }
}

/** Completes an element: a FIELD gets its value (product rows, else its trimmed, decoded text). */
function close(frame: Frame): void {
  if (frame.kind !== FIELD) return;
  const field = frame.field!;
  if (frame.products !== undefined) field.value = frame.products;
  else if (frame.parts === undefined) field.value = decodeEntities(trimXmlSpace(frame.text));
  else {
    if (frame.text !== '') frame.parts.push({ text: frame.text, cdata: false });
    field.value = joinTrimmed(frame.parts);
  }
}

/**
 * Rejects `<!DOCTYPE`, `<!ENTITY` or any other markup declaration outside comments and CDATA sections, by text
 * alone (also inside attribute values and processing instructions), as the reference implementation did. The
 * scanner rejects them again where they are markup, so none can slip through where this textual check is fooled.
 */
function assertNoDeclarations(text: string): void {
  let pos = text.indexOf('<!');
  while (pos >= 0) {
    if (text.startsWith('<![CDATA[', pos)) {
      const end = text.indexOf(']]>', pos + 9);
      if (end < 0) return; // unterminated: the scanner rejects it
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

/**
 * Skips `<?target …?>` at `lt` (ignored, anywhere) and returns the position after it. The XML declaration
 * `<?xml …?>` is only allowed at the very start (after a BOM).
 */
function processingInstruction(src: string, lt: number): number {
  // `<?>` is an empty PI, as the old parser read it (its validator skipped on to the next `?>`).
  if (src.charCodeAt(lt + 2) === GT) return lt + 3;
  const end = src.indexOf('?>', lt + 2);
  if (end < 0) reject('processing instruction not closed');
  const body = src.slice(lt + 2, end);
  if (lt > 0 && /^xml[ ?]/.test(src.slice(lt + 2, lt + 6))) reject('XML declaration allowed only at the start');
  if (body.indexOf('"') >= 0 || body.indexOf("'") >= 0) {
    // The old parser read a PI as a tag (quoted strings skipped) while its validator ended it at the first `?>`:
    // a PI where the two disagree is rejected instead of being read one way or the other.
    let i = lt + 1;
    for (; i < end; i += 1) {
      const c = src.charCodeAt(i);
      if (c === DQUOTE || c === SQUOTE) {
        i = src.indexOf(c === DQUOTE ? '"' : "'", i + 1);
        if (i < 0 || i >= end) reject('processing instruction with an open quote');
      }
    }
  }
  // Its pseudo-attributes were read into an object, so the same names were forbidden there.
  const space = body.search(/\s/);
  if (space >= 0) {
    for (const match of body.slice(space + 1).matchAll(/([^\s=]+)\s*(=\s*(?:"[^"]*"|'[^']*'))?/g)) {
      if (FORBIDDEN_NAMES.has(match[1])) reject(`name ${match[1]} not allowed`);
    }
  }
  return end + 2;
}

/**
 * Where a reference starting with `&` at `amp` ends (the `;`), or -1: `&name;` (word characters, at most 20),
 * `&#digits;` or `&#xhex;` — the lexical check the old validator applied to all text. Whether the reference is
 * one we can decode is only checked for the values read (decodeEntities). As before, a reference cut by the end
 * of the document passes (only possible after the root, where text is never read).
 */
function referenceEnd(src: string, amp: number): number {
  const n = src.length;
  let i = amp + 1;
  if (i < n && src.charCodeAt(i) === 59) return -1; // &;
  if (i < n && src.charCodeAt(i) === 35) {
    // &#…
    i += 1;
    const hex = i < n && src.charCodeAt(i) === 120; // x
    if (hex) i += 1;
    for (; i < n; i += 1) {
      const c = src.charCodeAt(i);
      if (c === 59) return i;
      const digit = c >= 48 && c <= 57;
      if (!(digit || (hex && ((c >= 97 && c <= 102) || (c >= 65 && c <= 70))))) return -1;
    }
    return -1;
  }
  for (let count = 0; i < n; i += 1, count += 1) {
    const c = src.charCodeAt(i);
    const word = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
    if (word && count < 20) continue;
    if (c === 59) return i;
    return -1;
  }
  return n;
}

function trimXmlSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text.charCodeAt(start))) start += 1;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end -= 1;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/**
 * Concatenates text and CDATA parts, trimming XML whitespace only where it comes from raw text at either end:
 * `<FL> <![CDATA[ x ]]> </FL>` → " x ". Raw text is trimmed before entity decoding, so `&#32;` survives.
 */
function joinTrimmed(parts: Part[]): string {
  let first = 0;
  let last = parts.length - 1;
  const trimmed = parts.map((part) => part.text);
  // Index-based trimming: `/[ \t\r\n]+$/` is quadratic on a long run of spaces followed by text.
  while (first <= last && !parts[first].cdata) {
    trimmed[first] = trimStart(trimmed[first]);
    if (trimmed[first] !== '') break;
    first += 1;
  }
  while (last >= first && !parts[last].cdata) {
    trimmed[last] = trimEnd(trimmed[last]);
    if (trimmed[last] !== '') break;
    last -= 1;
  }
  let out = '';
  for (let i = first; i <= last; i += 1) out += parts[i].cdata ? trimmed[i] : decodeEntities(trimmed[i]);
  return out;
}

function trimStart(text: string): string {
  let start = 0;
  while (start < text.length && isSpace(text.charCodeAt(start))) start += 1;
  return start === 0 ? text : text.slice(start);
}

function trimEnd(text: string): string {
  let end = text.length;
  while (end > 0 && isSpace(text.charCodeAt(end - 1))) end -= 1;
  return end === text.length ? text : text.slice(0, end);
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The five predefined entities and numeric references; anything else (an undeclared entity) is malformed. */
function decodeEntities(text: string): string {
  if (text.indexOf('&') < 0) return text;
  return text.replace(/&([^;&\s]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) reject('bare "&"');
    if (Object.hasOwn(PREDEFINED, name)) return PREDEFINED[name];
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

function reject(reason: string): never {
  throw new LegacyRequestError(`xmlData: ${reason}`, 'bad-parameter', { parameter: 'xmlData' });
}

function definedOnly(limits: XmlDataLimits): XmlDataLimits {
  const out: XmlDataLimits = {};
  if (limits.maxBytes !== undefined) out.maxBytes = limits.maxBytes;
  if (limits.maxDepth !== undefined) out.maxDepth = limits.maxDepth;
  if (limits.maxRows !== undefined) out.maxRows = limits.maxRows;
  if (limits.maxAttributes !== undefined) out.maxAttributes = limits.maxAttributes;
  return out;
}
