/**
 * Legacy (v1) HTTP requests → LegacyCall, whatever shape old clients send them in (docs/PROTOCOL.md §2).
 * Express-independent: the proxy, the offline converter and the tests all feed it the raw request.
 *
 * Parameter sources, merged: the query string, then the body (form-urlencoded, raw unencoded, multipart,
 * a flat JSON object, or an XML document used as xmlData). On a repeated name **the query string wins**
 * (servlet order: `getParameter` returns the first value and the query string is read first); within one
 * source the first occurrence wins for the same reason.
 *
 * One input-hygiene rule for every shape (legacy/charset.ts): bytes decode strictly in the declared charset (a BOM
 * wins; UTF-8 by default; the query string is always UTF-8), and every parameter name and value holds only XML 1.0
 * characters. Anything else is a 4600 naming the parameter. Every step runs in time linear in the request.
 */
import { LegacyRequestError } from '../errors.js';
import { assertLegalText, bodyCharset, decodeStrict, isAsciiCompatible, stripBom, xmlDeclaredEncoding } from './charset.js';
import { formDecode, parameterLabel, parseFormPairs, type FormPair } from './form.js';
import { readJsonParams } from './json-params.js';
import { headerParam, parseMultipart } from './multipart.js';
import type { LegacyCall, LegacyFilePart, LegacyFormat } from './types.js';

export interface RawHttpRequest {
  method: string;
  /** Path + '?' + raw query, as received (an absolute URL with scheme and host is accepted too). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** Raw body bytes, possibly empty (or cut short: a JSON body's Content-Length may be too small). */
  body: Buffer;
}

export interface RequestParseOptions {
  /**
   * Honour `…??duplicateCheck=1` as `duplicatecheck` (default true). False = servlet behaviour: the name keeps
   * its leading `?` and so matches no parameter.
   */
  honourDoubleQuestionMark?: boolean;
}

const LEGACY_PATH = /^\/crm\/private\/([^/?#]+)\/([^/?#]+)\/([^/?#]+)$/;

/**
 * The answer format of a request path: `json` when the format segment is `json` (any case), else `xml` — also
 * for paths that are no legacy API path at all, which are answered in XML (docs/PROTOCOL.md §2).
 */
export function legacyFormatOf(path: string): LegacyFormat {
  return /^\/crm\/private\/json\//i.test(path) ? 'json' : 'xml';
}

/**
 * Throws LegacyRequestError `bad-path` (v1 4600 generic) unless the path is `/crm/private/{xml|json}/{Module}/{method}`
 * (format in any case). Every path check comes before any parameter is read, so a malformed path is always the
 * path error — never a complaint about a parameter such as xmlData.
 */
export function parseLegacyRequest(req: RawHttpRequest, options: RequestParseOptions = {}): LegacyCall {
  const honourDoubleQ = options.honourDoubleQuestionMark ?? true;
  const { path, query } = splitUrl(req.url);
  const match = LEGACY_PATH.exec(path);
  if (match === null) {
    throw new LegacyRequestError(`not a legacy API path: ${truncate(path)}`, 'bad-path');
  }
  const formatSegment = match[1].toLowerCase();
  if (formatSegment !== 'xml' && formatSegment !== 'json') {
    throw new LegacyRequestError(`unknown format segment (xml or json): ${truncate(path)}`, 'bad-path');
  }
  const format: LegacyFormat = formatSegment;

  const params: Record<string, string> = {};
  /** The client's spelling of each kept parameter, for the 4600 of an unknown one. */
  const spelled = new Map<string, string>();
  const add = (pairs: FormPair[]): void => {
    for (const { name, value } of pairs) {
      const key = normaliseName(name, honourDoubleQ);
      if (key === '' || Object.prototype.hasOwnProperty.call(params, key)) continue; // first wins
      params[key] = value;
      spelled.set(key, name);
    }
  };

  // Query string first so that it wins over the body.
  if (query !== undefined) add(parseFormPairs(query));
  const body = readBody(req);
  add(body.pairs);
  if (body.xml !== undefined && params.xmldata === undefined) params.xmldata = body.xml;
  for (const [name, value] of Object.entries(params)) {
    const label = parameterLabel(spelled.get(name) ?? name);
    assertLegalText(name, label);
    assertLegalText(value, label);
  }

  const call: LegacyCall = { format, module: match[2], method: match[3], path, params };
  if (params.xmldata !== undefined) call.xmlData = params.xmldata;
  if (params.authtoken !== undefined) call.authtoken = params.authtoken;
  if (body.files !== undefined) call.files = body.files;
  if (body.cutShort) call.bodyCutShort = true;
  return call;
}

/** What can be read of a request that is refused before it is parsed (peekLegacyRequest). */
export interface LegacyRequestPeek {
  format: LegacyFormat;
  /** The path as received (no query); '' when it was not readable whole. */
  path: string;
  /** The v1 module and method segments, when the path is a legacy API path. */
  module?: string;
  method?: string;
  /** The query string's `authtoken` (decoded as parseLegacyRequest decodes it), when readable whole. */
  authtoken?: string;
}

/**
 * The facts of a request the proxy refuses without parsing it (a bad HTTP method, a header overflow, a request
 * line that does not parse, the stop): its path, v1 module and method, and the query's authtoken, for the
 * journal line and the answer's `uri`. `target` is the request-target as received (path and query, or an
 * absolute URL); `truncated` = only a prefix of it was read, so a path without its end is not readable and the
 * query's last parameter may be cut (never taken for an authtoken). Never throws; linear in `target`.
 */
export function peekLegacyRequest(target: string, options: { truncated?: boolean } = {}): LegacyRequestPeek {
  const { path, query } = splitUrl(target);
  // A path is readable when something followed it (the query) or the target was read whole.
  const pathWhole = query !== undefined || !options.truncated;
  const peek: LegacyRequestPeek = { format: legacyFormatOf(path), path: pathWhole ? path : '' };
  const match = pathWhole ? LEGACY_PATH.exec(path) : null;
  if (match !== null) {
    peek.module = match[2];
    peek.method = match[3];
  }
  if (query !== undefined) {
    let pairs: FormPair[] = [];
    try {
      pairs = parseFormPairs(query);
    } catch {
      // Not decodable as the parser decodes it: no token is read rather than a wrong one.
    }
    if (options.truncated) pairs = pairs.slice(0, -1);
    const token = pairs.find((p) => normaliseName(p.name, true) === 'authtoken');
    if (token?.value) peek.authtoken = token.value;
  }
  return peek;
}

/**
 * A full legacy request URL as found in log files (GET style), optionally with scheme + host, a leading HTTP
 * method and a trailing `HTTP/1.x`. Throws like parseLegacyRequest.
 */
export function parseLegacyUrlLine(line: string): LegacyCall {
  let url = line.trim();
  const requestLine = /^([A-Z]+)\s+(\S+)(?:\s+HTTP\/\d(?:\.\d)?)?$/.exec(url);
  if (requestLine !== null) url = requestLine[2];
  return parseLegacyRequest({ method: requestLine?.[1] ?? 'GET', url, headers: {}, body: Buffer.alloc(0) });
}

/** Lower-cased parameter name; `?name` (from `??name=`) loses its `?` when honoured. */
function normaliseName(name: string, honourDoubleQ: boolean): string {
  const lower = name.toLowerCase();
  return honourDoubleQ ? lower.replace(/^\?+/, '') : lower;
}

/** Path (no scheme, host, query or fragment) and raw query (without the first `?`, undefined when absent). */
function splitUrl(url: string): { path: string; query?: string } {
  let rest = url;
  const absolute = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(rest);
  if (absolute !== null) rest = rest.slice(absolute[0].length) || '/';
  const q = rest.indexOf('?');
  if (q < 0) {
    const hash = rest.indexOf('#');
    return { path: hash < 0 ? rest : rest.slice(0, hash) };
  }
  // No fragment stripping in the query: a raw xmlData may contain '#'.
  return { path: rest.slice(0, q), query: rest.slice(q + 1) };
}

interface BodyParams {
  pairs: FormPair[];
  /** File parts of a multipart body. */
  files?: LegacyFilePart[];
  /** An XML document body, to be used as xmlData when no parameter carries one. */
  xml?: string;
  /** The body provably ended early (an unfinished JSON object or multipart body). */
  cutShort?: boolean;
}

/** Parameters carried by the body, by Content-Type, sniffing the content when the type is missing or wrong. */
function readBody(req: RawHttpRequest): BodyParams {
  if (req.body.length === 0) return { pairs: [] };
  const contentType = header(req.headers, 'content-type') ?? '';
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  const declared = headerParam(contentType, 'charset');
  const xmlType = mediaType === 'text/xml' || mediaType === 'application/xml' || mediaType.endsWith('+xml');

  if (mediaType === 'multipart/form-data') {
    const boundary = headerParam(contentType, 'boundary');
    if (!boundary) return { pairs: [] };
    const { fields, files, cutShort } = parseMultipart(req.body, boundary, declared ?? 'utf-8');
    return { pairs: fields, cutShort, ...(files.length > 0 ? { files } : {}) };
  }
  // A BOM wins, then the declared charset, then (XML only) the XML declaration's encoding, then UTF-8.
  let { charset, bomBytes } = bodyCharset(req.body, declared);
  if (bomBytes === 0 && declared === undefined && mediaType !== 'application/x-www-form-urlencoded') {
    const encoding = xmlDeclaredEncoding(req.body);
    if (encoding !== undefined) charset = encoding;
  }
  const text = stripBom(decodeStrict(req.body.subarray(bomBytes), charset));
  // Percent-escapes are bytes of the body's charset; in UTF-16 the escapes themselves carry UTF-8.
  const escapes = isAsciiCompatible(charset) ? charset : 'utf-8';
  if (mediaType === 'application/x-www-form-urlencoded') return { pairs: parseFormPairs(text, escapes) };

  const start = skipLeadingSpace(text);
  if (xmlType) {
    return text.startsWith('<', start) ? { pairs: [], xml: text } : { pairs: parseFormPairs(text, escapes) };
  }
  // No, or some other, Content-Type (often none at all, or a wrong one): sniff.
  if (text.startsWith('{', start)) {
    const { pairs, complete } = readJsonParams(text.slice(start));
    return { pairs, cutShort: !complete };
  }
  if (text.startsWith('<', start)) return { pairs: [], xml: text };
  return { pairs: parseFormPairs(text, escapes) };
}

/** Index of the first character that is neither whitespace nor a BOM. */
function skipLeadingSpace(text: string): number {
  let i = 0;
  while (i < text.length && /[\uFEFF\s]/.test(text[i])) i += 1;
  return i;
}

function header(headers: RawHttpRequest['headers'], name: string): string | undefined {
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== name) continue;
    const value = headers[key];
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

function truncate(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

export { formDecode };
