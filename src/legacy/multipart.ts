/**
 * A small `multipart/form-data` reader for legacy requests: text fields, and file parts as views into the body. Field values are
 * raw bytes (no form decoding: multipart is not URL-encoded), decoded strictly (legacy/charset.ts) in the part's
 * charset, else the body's, else UTF-8. Linear time: the boundary is at most 70 characters (RFC 2046), so each
 * delimiter search is bounded by 70 × the bytes searched, and parts are visited once.
 */
import { assertLegalText, bodyCharset, decodeStrict, stripBom } from './charset.js';
import { parameterLabel, type FormPair } from './form.js';
import type { LegacyFilePart } from './types.js';

/** RFC 2046 §5.1.1: a boundary is 1 to 70 characters. */
export const MAX_BOUNDARY_LENGTH = 70;

/**
 * Fields of a multipart body, in order. `boundary` comes from the Content-Type header. Tolerates LF-only line
 * ends, a missing closing delimiter (truncated body: the last part is taken as far as it goes) and preamble text.
 */
export function parseMultipartFields(body: Buffer, boundary: string, charset = 'utf-8'): FormPair[] {
  return parseMultipart(body, boundary, charset).fields;
}

/** parseMultipartFields, and whether the body ended before its closing delimiter (`cutShort`). */
export function readMultipart(body: Buffer, boundary: string, charset = 'utf-8'): { fields: FormPair[]; cutShort: boolean } {
  const { fields, cutShort } = parseMultipart(body, boundary, charset);
  return { fields, cutShort };
}

/**
 * Text fields and file parts of a multipart body, in order. File bytes are views into `body` (no copy): a 20 MB
 * upload stays one buffer on its way to v2.
 */
export function parseMultipart(
  body: Buffer,
  boundary: string,
  charset = 'utf-8',
): { fields: FormPair[]; files: LegacyFilePart[]; cutShort: boolean } {
  const fields: FormPair[] = [];
  const files: LegacyFilePart[] = [];
  // A longer boundary reads nothing (and keeps the delimiter search linear).
  if (boundary.length === 0 || boundary.length > MAX_BOUNDARY_LENGTH) return { fields, files, cutShort: false };
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  let pos = body.indexOf(delimiter);
  const sawDelimiter = pos >= 0;
  let closed = false;
  while (pos >= 0) {
    let partStart = pos + delimiter.length;
    // "--" right after the delimiter closes the body.
    if (body[partStart] === 0x2d && body[partStart + 1] === 0x2d) {
      closed = true;
      break;
    }
    partStart = skipLineEnd(body, skipSpaces(body, partStart));
    const next = body.indexOf(delimiter, partStart);
    let partEnd = next < 0 ? body.length : next;
    // The line break before the next delimiter belongs to the delimiter.
    if (next >= 0) {
      if (body[partEnd - 1] === 0x0a) partEnd -= 1;
      if (body[partEnd - 1] === 0x0d) partEnd -= 1;
    }
    const part = readPart(body.subarray(partStart, Math.max(partStart, partEnd)), charset);
    if (part !== undefined && 'field' in part) files.push(part);
    else if (part !== undefined) fields.push(part);
    pos = next;
  }
  return { fields, files, cutShort: sawDelimiter && !closed };
}

function readPart(part: Buffer, bodyCharsetLabel: string): FormPair | LegacyFilePart | undefined {
  let headerEnd = part.indexOf('\r\n\r\n');
  let bodyStart = headerEnd + 4;
  const lfOnly = part.indexOf('\n\n');
  if (headerEnd < 0 || (lfOnly >= 0 && lfOnly < headerEnd)) {
    headerEnd = lfOnly;
    bodyStart = lfOnly + 2;
  }
  if (headerEnd < 0) return undefined;
  const headers = part.subarray(0, headerEnd).toString('latin1').split(/\r?\n/);
  let disposition = '';
  let charset: string | undefined;
  let contentType = '';
  for (const line of headers) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-disposition') disposition = value;
    else if (name === 'content-type') {
      charset = headerParam(value, 'charset') ?? charset;
      contentType = value;
    }
  }
  if (!/^form-data\b/i.test(disposition)) return undefined;
  const name = headerParam(disposition, 'name');
  const extended = headerParam(disposition, 'filename*');
  const plain = headerParam(disposition, 'filename');
  if (plain !== undefined || extended !== undefined) {
    if (name === undefined || name === '') return undefined;
    // The input-hygiene rule holds for the names too (the file's bytes are bytes): strict UTF-8, XML characters.
    const field = decodeStrict(Buffer.from(name, 'latin1'), 'utf-8');
    const label = parameterLabel(field);
    const fileName = extended !== undefined ? decodeExtendedValue(extended, label) : decodeStrict(Buffer.from(plain!, 'latin1'), 'utf-8', label);
    assertLegalText(fileName, label);
    return {
      field,
      fileName,
      contentType: contentType.split(';')[0].trim() || 'application/octet-stream',
      bytes: part.subarray(bodyStart),
    };
  }
  if (name === undefined || name === '') return undefined;
  // Header bytes were read as latin1; names are UTF-8 on the wire in practice.
  const decodedName = decodeStrict(Buffer.from(name, 'latin1'), 'utf-8');
  const bytes = part.subarray(bodyStart);
  const { charset: partCharset, bomBytes } = bodyCharset(bytes, charset, bodyCharsetLabel);
  return { name: decodedName, value: stripBom(decodeStrict(bytes.subarray(bomBytes), partCharset, parameterLabel(decodedName))) };
}

/**
 * An RFC 5987 / 8187 extended value (`filename*=UTF-8''na%C3%AFve.txt`): charset, empty or absent language, then
 * percent-encoded bytes, decoded strictly in that charset. Anything else is an undecodable `parameter`.
 */
function decodeExtendedValue(value: string, parameter: string): string {
  const match = /^([A-Za-z0-9!#$&+.^_`{}~-]+)'[^']*'(.*)$/.exec(value);
  if (match === null) return decodeStrict(Buffer.from(value, 'latin1'), 'utf-8', parameter);
  const bytes: number[] = [];
  const text = match[2];
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(text.charCodeAt(i) & 0xff);
  }
  return decodeStrict(Uint8Array.from(bytes), match[1], parameter);
}

/** A `key=value` or `key="value"` parameter of a header value (case-insensitive key). */
export function headerParam(header: string, key: string): string | undefined {
  const re = new RegExp(`(?:^|;)\\s*${key.replace(/\*/g, '\\*')}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, 'i');
  const match = re.exec(header);
  if (match === null) return undefined;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2];
}

function skipSpaces(buf: Buffer, pos: number): number {
  while (buf[pos] === 0x20 || buf[pos] === 0x09) pos += 1;
  return pos;
}

function skipLineEnd(buf: Buffer, pos: number): number {
  if (buf[pos] === 0x0d) pos += 1;
  if (buf[pos] === 0x0a) pos += 1;
  return pos;
}
