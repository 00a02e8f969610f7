/**
 * `application/x-www-form-urlencoded`-style decoding as the legacy (servlet) server did it, plus the quirks of
 * raw, unencoded bodies (docs/PROTOCOL.md §2): `+` → space, `%XX` → byte (UTF-8), a stray `%` stays literal, and an
 * `xmlData=<Root>…</Root>` value that contains a raw `&` is kept whole instead of being cut at the `&`.
 *
 * Exactly ONE decoding pass is done here; callers must never decode the result again (`%26` → `&`, and that `&`
 * is data, not a separator).
 */

/** One name/value pair in source order. Names are decoded but not yet lower-cased. */
export interface FormPair {
  name: string;
  value: string;
}

const HEX = /^[0-9a-fA-F]{2}$/;

/**
 * Decodes one form component: `+` → space, `%XX` sequences → bytes decoded as UTF-8 (invalid UTF-8 becomes
 * U+FFFD), and a `%` not followed by two hex digits stays literal. Literal non-ASCII characters pass through.
 */
export function formDecode(text: string): string {
  const spaced = text.indexOf('+') < 0 ? text : text.replace(/\+/g, ' ');
  if (text.indexOf('%') < 0) return spaced;
  // Fast path: when every `%` starts a valid UTF-8 escape sequence, decodeURIComponent gives exactly what the
  // servlet rules below give (`+` was replaced first, so `%2B` still decodes to `+`). It throws on a stray `%`
  // or invalid UTF-8, where those rules differ (literal `%`, U+FFFD).
  try {
    return decodeURIComponent(spaced);
  } catch {
    return servletDecode(text);
  }
}

/** The servlet rules, one character at a time: the fallback for text decodeURIComponent refuses. */
function servletDecode(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i];
    if (ch === '%' && HEX.test(text.slice(i + 1, i + 3))) {
      // Collect a run of %XX escapes: multi-byte UTF-8 sequences span several escapes.
      const bytes: number[] = [];
      while (i < n && text[i] === '%' && HEX.test(text.slice(i + 1, i + 3))) {
        bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
        i += 3;
      }
      out += utf8.decode(Uint8Array.from(bytes));
      continue;
    }
    out += ch === '+' ? ' ' : ch;
    i += 1;
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * Splits a query string or form body into decoded pairs, in order. Empty pieces (`&&`) and pieces with an empty
 * name (`=x`) are skipped. A piece without `=` is a name with an empty value.
 *
 * `xmlData` repair: if the raw value of an `xmlData` piece opens a root element whose closing tag only appears
 * after one or more `&` (an unencoded body such as PHP's `CURLOPT_POSTFIELDS` with `A & A` inside CDATA), the
 * value runs from `xmlData=` to the end of that closing root tag instead [choice, docs/PROTOCOL.md §2].
 */
export function parseFormPairs(raw: string): FormPair[] {
  const pairs: FormPair[] = [];
  let pos = 0;
  const n = raw.length;
  while (pos <= n) {
    let amp = raw.indexOf('&', pos);
    if (amp < 0) amp = n;
    let piece = raw.slice(pos, amp);
    const eq = piece.indexOf('=');
    const rawName = eq < 0 ? piece : piece.slice(0, eq);
    if (eq >= 0 && amp < n && /^\??xmldata$/i.test(rawName.replace(/^\?+/, '?'))) {
      const end = xmlDataEnd(raw, pos + eq + 1, amp);
      if (end > amp) {
        amp = end;
        piece = raw.slice(pos, end);
      }
    }
    if (piece.length > 0) {
      const name = formDecode(rawName);
      if (name.length > 0) pairs.push({ name, value: eq < 0 ? '' : formDecode(piece.slice(eq + 1)) });
    }
    pos = amp + 1;
  }
  return pairs;
}

/**
 * Where a raw (unencoded) xmlData value really ends. `start` is the first character of the value, `naiveEnd` the
 * first `&` after it. Returns `naiveEnd` when the value is complete as cut, or is not literal XML at all.
 */
function xmlDataEnd(raw: string, start: number, naiveEnd: number): number {
  const root = literalRootName(raw, start, naiveEnd);
  if (root === undefined) return naiveEnd;
  const closing = new RegExp(`</${escapeRegExp(root)}\\s*>`, 'ig');
  closing.lastIndex = start;
  const first = closing.exec(raw);
  if (first === null) return naiveEnd; // never closed: leave it to the XML parser to reject
  const end = first.index + first[0].length;
  return end > naiveEnd ? end : naiveEnd;
}

/** The root element name of literal XML starting at `start` (after BOM, whitespace, prolog, comments), if any. */
function literalRootName(raw: string, start: number, limit: number): string | undefined {
  const head = raw.slice(start, limit);
  const match = /^(?:\uFEFF|%EF%BB%BF)?(?:[\s+]|%0[ADad9]|%20)*(?:<\?[\s\S]*?\?>(?:[\s+]|%0[ADad9]|%20)*)?(?:<!--[\s\S]*?-->(?:[\s+]|%0[ADad9]|%20)*)*<([A-Za-z_][\w.:-]*)[^>]*?(\/?)>/.exec(head);
  if (match === null) return undefined;
  if (match[2] === '/') return undefined; // <Leads/>: self-closing root, already complete
  return match[1];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
