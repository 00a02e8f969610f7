/**
 * `application/x-www-form-urlencoded`-style decoding as the legacy (servlet) server did it, plus the quirks of
 * raw, unencoded bodies (docs/PROTOCOL.md §2): `+` → space, `%XX` → byte in the request's charset (UTF-8 unless
 * declared), a stray `%` stays literal, and an `xmlData=<Root>…</Root>` value that contains a raw `&` is kept
 * whole instead of being cut at the `&`.
 *
 * Exactly ONE decoding pass is done here; callers must never decode the result again (`%26` → `&`, and that `&`
 * is data, not a separator). Bytes that do not decode in the charset are a 4600 naming the parameter
 * (legacy/charset.ts has the rule); nothing is replaced by U+FFFD.
 *
 * Everything here runs in time linear in the input (a hostile body reaches it before authentication):
 * no backtracking regular expression, and the closing tags the xmlData repair looks for are indexed in one pass.
 */
import { decodeStrict } from './charset.js';
import { v1ParameterName } from './parameter-names.js';

/** One name/value pair in source order. Names are decoded but not yet lower-cased. */
export interface FormPair {
  name: string;
  value: string;
}

/**
 * Decodes one form component: `+` → space, runs of `%XX` → bytes decoded in `charset` (default UTF-8), a `%`
 * not followed by two hex digits stays literal, literal characters pass through. Throws UndecodableError
 * (4600 naming `parameter`, default "xmlData") on bytes that are not valid in the charset.
 */
export function formDecode(text: string, charset = 'utf-8', parameter?: string): string {
  const spaced = text.indexOf('+') < 0 ? text : text.replace(/\+/g, ' ');
  if (text.indexOf('%') < 0) return spaced;
  const utf8 = charset === 'utf-8' || charset === 'utf8';
  if (utf8) {
    // Fast path: when every `%` starts a valid UTF-8 escape sequence, decodeURIComponent gives exactly what the
    // servlet rules below give (`+` was replaced first, so `%2B` still decodes to `+`). It throws on a stray `%`
    // or invalid UTF-8; the servlet loop then keeps the stray `%` and rejects the invalid bytes.
    try {
      return decodeURIComponent(spaced);
    } catch {
      /* fall through */
    }
  }
  return servletDecode(text, charset, parameter);
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function hexValue(c: number): number {
  return c <= 57 ? c - 48 : (c | 0x20) - 87;
}

/** The servlet rules, one character at a time: the fallback for text decodeURIComponent refuses. */
function servletDecode(text: string, charset: string, parameter: string | undefined): string {
  let out = '';
  let i = 0;
  const n = text.length;
  let literalStart = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 37 /* % */ && i + 2 < n && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
      out += plus(text.slice(literalStart, i));
      // Collect a run of %XX escapes: multi-byte sequences span several escapes.
      const bytes: number[] = [];
      while (i + 2 < n && text.charCodeAt(i) === 37 && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
        bytes.push(hexValue(text.charCodeAt(i + 1)) * 16 + hexValue(text.charCodeAt(i + 2)));
        i += 3;
      }
      out += decodeStrict(Uint8Array.from(bytes), charset, parameter);
      literalStart = i;
      continue;
    }
    i += 1;
  }
  return out + plus(text.slice(literalStart));
}

function plus(text: string): string {
  return text.indexOf('+') < 0 ? text : text.replace(/\+/g, ' ');
}

/**
 * Splits a query string or form body into decoded pairs, in order. Empty pieces (`&&`) and pieces with an empty
 * name (`=x`) are skipped. A piece without `=` is a name with an empty value. `charset` is the charset of the
 * percent-escapes (the body's declared charset; UTF-8 for query strings).
 *
 * `xmlData` repair: if the raw value of an `xmlData` piece opens a root element whose closing tag only appears
 * after one or more `&` (an unencoded body such as PHP's `CURLOPT_POSTFIELDS` with `A & A` inside CDATA), the
 * value runs from `xmlData=` to the end of that closing root tag instead [choice, docs/PROTOCOL.md §2].
 */
export function parseFormPairs(raw: string, charset = 'utf-8'): FormPair[] {
  const pairs: FormPair[] = [];
  let closings: ClosingTags | undefined;
  let pos = 0;
  const n = raw.length;
  while (pos <= n) {
    let amp = raw.indexOf('&', pos);
    if (amp < 0) amp = n;
    let piece = raw.slice(pos, amp);
    const eq = piece.indexOf('=');
    const rawName = eq < 0 ? piece : piece.slice(0, eq);
    if (eq >= 0 && amp < n && isXmlDataName(rawName)) {
      const root = literalRootName(raw, pos + eq + 1, amp);
      if (root !== undefined) {
        closings ??= new ClosingTags(raw);
        const end = closings.endOfFirst(root, pos + eq + 1);
        if (end > amp) {
          amp = end;
          piece = raw.slice(pos, end);
        }
      }
    }
    if (piece.length > 0) {
      const name = formDecode(rawName, charset);
      if (name.length > 0) pairs.push({ name, value: eq < 0 ? '' : formDecode(piece.slice(eq + 1), charset, parameterLabel(name)) });
    }
    pos = amp + 1;
  }
  return pairs;
}

/** `xmlData`, `?xmlData`, `??xmlData` … in any case. */
function isXmlDataName(rawName: string): boolean {
  let i = 0;
  while (rawName.charCodeAt(i) === 63 /* ? */) i += 1;
  return rawName.length - i === 7 && rawName.slice(i).toLowerCase() === 'xmldata';
}

/**
 * The name a 4600 message gives a parameter: its v1 spelling for a known one whatever the case (`fromindex` →
 * `fromIndex`, legacy/parameter-names.ts), the client's own spelling for another plain name, "xmlData" for an
 * odd one (not quoted back).
 */
export function parameterLabel(name: string): string {
  const bare = name.replace(/^\?+/, '');
  return v1ParameterName(bare) ?? (/^[A-Za-z_][\w.-]{0,39}$/.test(bare) ? bare : 'xmlData');
}

/**
 * Every closing tag `</name\s*>` of a text, indexed once by lower-cased name: the xmlData repair asks for the
 * first one at or after a position, in O(log n) instead of a regular-expression search over the rest of the body
 * per piece (which made a body of many `xmlData=<a>&` pieces quadratic).
 */
class ClosingTags {
  private readonly byName = new Map<string, { starts: number[]; ends: number[] }>();

  constructor(raw: string) {
    let lt = raw.indexOf('</');
    while (lt >= 0) {
      let i = lt + 2;
      while (i < raw.length && isRootNameChar(raw.charCodeAt(i))) i += 1;
      const nameEnd = i;
      while (i < raw.length && isRegexSpace(raw.charCodeAt(i))) i += 1;
      if (nameEnd > lt + 2 && raw.charCodeAt(i) === 62 /* > */) {
        const key = raw.slice(lt + 2, nameEnd).toLowerCase();
        let list = this.byName.get(key);
        if (!list) this.byName.set(key, (list = { starts: [], ends: [] }));
        list.starts.push(lt);
        list.ends.push(i + 1);
      }
      lt = raw.indexOf('</', lt + 2);
    }
  }

  /** End (exclusive) of the first `</root\s*>` starting at or after `from`; -1 when there is none. */
  endOfFirst(root: string, from: number): number {
    const list = this.byName.get(root.toLowerCase());
    if (!list) return -1;
    let lo = 0;
    let hi = list.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list.starts[mid] < from) lo = mid + 1;
      else hi = mid;
    }
    return lo < list.starts.length ? list.ends[lo] : -1;
  }
}

/** `[\w.:-]`: the characters of a root name after its first. */
function isRootNameChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 58 || c === 45;
}

/** JavaScript's `\s`. */
function isRegexSpace(c: number): boolean {
  return (
    (c >= 9 && c <= 13) || c === 32 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

/**
 * The root element name of literal XML in raw[start, limit) — after an optional BOM (raw or `%EF%BB%BF`),
 * whitespace (raw, `+` or `%20 %09 %0A %0D`), one XML declaration or processing instruction and any number of
 * comments — or undefined (not literal XML, or a self-closing root that is complete as cut). A hand-written
 * scanner: the regular expression it replaces backtracked exponentially on a run of empty comments.
 */
export function literalRootName(raw: string, start: number, limit: number): string | undefined {
  let i = start;
  if (raw.charCodeAt(i) === 0xfeff) i += 1;
  else if (raw.startsWith('%EF%BB%BF', i) && i + 9 <= limit) i += 9;
  i = skipSpace(raw, i, limit);
  if (raw.startsWith('<?', i)) {
    const end = raw.indexOf('?>', i + 2);
    if (end < 0 || end + 2 > limit) return undefined;
    i = skipSpace(raw, end + 2, limit);
  }
  while (raw.startsWith('<!--', i)) {
    const end = raw.indexOf('-->', i + 4);
    if (end < 0 || end + 3 > limit) return undefined;
    i = skipSpace(raw, end + 3, limit);
  }
  if (raw.charCodeAt(i) !== 60 /* < */ || i + 1 >= limit) return undefined;
  const c = raw.charCodeAt(i + 1);
  if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95)) return undefined;
  let j = i + 2;
  while (j < limit && isRootNameChar(raw.charCodeAt(j))) j += 1;
  const name = raw.slice(i + 1, j);
  const gt = raw.indexOf('>', j);
  if (gt < 0 || gt >= limit) return undefined;
  if (gt > j && raw.charCodeAt(gt - 1) === 47 /* / */) return undefined; // <Leads/>: already complete
  return name;
}

/** Whitespace as a raw body may carry it: `\s`, `+`, or an escaped space, tab, LF, CR. */
function skipSpace(raw: string, i: number, limit: number): number {
  while (i < limit) {
    const c = raw.charCodeAt(i);
    if (c === 43 /* + */ || isRegexSpace(c)) {
      i += 1;
      continue;
    }
    if (c === 37 /* % */ && i + 2 < limit && raw.charCodeAt(i + 1) === 50 && raw.charCodeAt(i + 2) === 48) {
      i += 3; // %20
      continue;
    }
    if (c === 37 && raw.charCodeAt(i + 1) === 48 && i + 2 < limit) {
      const d = raw.charCodeAt(i + 2) | 0x20;
      if (d === 97 /* a */ || d === 100 /* d */ || d === 57 /* 9 */) {
        i += 3;
        continue;
      }
    }
    break;
  }
  return i;
}

