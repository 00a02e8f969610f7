/**
 * The input-hygiene rule of every legacy request shape (query string, form body, raw body, multipart, JSON
 * parameters body, XML body), in one place:
 *
 * 1. **Bytes decode strictly in their declared charset.** A byte-order mark at the start of a body wins; then
 *    the Content-Type `charset` (or a multipart part's); then, for XML bodies, the `encoding` of the XML
 *    declaration; else UTF-8. Percent-escapes are bytes in that same charset. Bytes that are not valid in that
 *    charset (invalid UTF-8, an unpaired UTF-16 surrogate, the five unassigned windows-1252 bytes) and charsets
 *    this process cannot decode are a 4600 — never a silent U+FFFD.
 * 2. **Decoded text holds only XML 1.0 characters** (tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF):
 *    exactly the characters xmlData accepts as `&#…;` references. A raw NUL or other C0 control character in any
 *    parameter is the same 4600 that `&#0;` inside xmlData is.
 *
 * Failures are LegacyRequestError 4600 naming the parameter when one is known, else "xmlData" (v1's answer to
 * an unreadable body).
 */
import { TextDecoder } from 'node:util';
import { LegacyRequestError } from '../errors.js';

/** windows-1252 0x80–0x9F (WHATWG/Unicode mapping); -1 = unassigned (0x81, 0x8D, 0x8F, 0x90, 0x9D). */
const CP1252_HIGH = [
  0x20ac, -1, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, -1, 0x017d, -1,
  -1, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, -1, 0x017e, 0x0178,
];

/** Charset labels handled here instead of by TextDecoder, whose WHATWG labels map latin1/ascii to windows-1252. */
const LATIN1 = new Set(['iso-8859-1', 'iso8859-1', 'iso_8859-1', 'latin1', 'l1', 'iso-ir-100', 'cp819', 'ibm819', 'csisolatin1', '8859_1', 'iso_8859-1:1987']);
const ASCII = new Set(['us-ascii', 'ascii', 'ansi_x3.4-1968', 'iso646-us', 'csascii', 'us']);
const CP1252 = new Set(['windows-1252', 'cp1252', 'x-cp1252', 'cp-1252']);

/** The charset could not decode the bytes (or is unknown). `reason` is safe to log: no input text. */
export class UndecodableError extends LegacyRequestError {
  constructor(reason: string, parameter = 'xmlData') {
    super(`${parameter}: ${reason}`, 'bad-parameter', { parameter });
  }
}

/** Normalised charset label: lower case, surrounding quotes and spaces removed. */
export function charsetLabel(charset: string | undefined): string {
  return (charset ?? 'utf-8').trim().replace(/^"|"$/g, '').toLowerCase() || 'utf-8';
}

/** True for charsets in which ASCII bytes are themselves (so `&`, `=`, `%`, `+` can be found in raw bytes). */
export function isAsciiCompatible(charset: string): boolean {
  return !/^utf-?16|^utf-?32|^ucs-?2/.test(charsetLabel(charset));
}

/**
 * Bytes → text in `charset`, strictly (see the rule above). Throws UndecodableError naming `parameter`.
 * A leading BOM is not removed here (see bodyCharset / stripBom).
 */
export function decodeStrict(bytes: Uint8Array, charset: string, parameter?: string): string {
  const label = charsetLabel(charset);
  if (LATIN1.has(label)) return latin1(bytes);
  if (ASCII.has(label)) {
    for (let i = 0; i < bytes.length; i += 1) {
      if (bytes[i] > 0x7f) throw new UndecodableError(`byte 0x${bytes[i].toString(16)} is not ${label}`, parameter);
    }
    return latin1(bytes);
  }
  if (CP1252.has(label)) return cp1252(bytes, parameter);
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label, { fatal: true, ignoreBOM: true });
  } catch {
    throw new UndecodableError(`unsupported charset "${label.slice(0, 40)}"`, parameter);
  }
  try {
    return decoder.decode(bytes);
  } catch {
    throw new UndecodableError(`bytes that are not valid ${label}`, parameter);
  }
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function cp1252(bytes: Uint8Array, parameter: string | undefined): string {
  let out = '';
  let runStart = 0;
  for (let i = 0; i < bytes.length; i += 1) {
    const b = bytes[i];
    if (b < 0x80 || b > 0x9f) continue;
    const mapped = CP1252_HIGH[b - 0x80];
    if (mapped < 0) throw new UndecodableError(`byte 0x${b.toString(16)} is unassigned in windows-1252`, parameter);
    out += latin1(bytes.subarray(runStart, i)) + String.fromCharCode(mapped);
    runStart = i + 1;
  }
  return out + latin1(bytes.subarray(runStart));
}

/**
 * The charset of a body: a BOM wins (UTF-8, UTF-16LE, UTF-16BE), then the declared one, then `fallback`.
 * Returns the charset and how many BOM bytes to skip.
 */
export function bodyCharset(bytes: Uint8Array, declared: string | undefined, fallback = 'utf-8'): { charset: string; bomBytes: number } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { charset: 'utf-8', bomBytes: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { charset: 'utf-16le', bomBytes: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { charset: 'utf-16be', bomBytes: 2 };
  return { charset: declared ? charsetLabel(declared) : fallback, bomBytes: 0 };
}

/** `encoding="…"` of an XML declaration at the very start of ASCII-compatible bytes, if any. */
export function xmlDeclaredEncoding(bytes: Uint8Array): string | undefined {
  const head = latin1(bytes.subarray(0, 200));
  const match = /^\s*<\?xml\s[^?>]{0,150}?\bencoding\s*=\s*["']([A-Za-z][\w.:-]{0,39})["']/.exec(head);
  return match?.[1];
}

/** Removes one leading U+FEFF (a BOM that survived decoding). */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Index of the first character that is not an XML 1.0 Char (C0 controls but tab/LF/CR, U+FFFE, U+FFFF, an
 * unpaired surrogate), or -1. One pass.
 */
export function firstIllegalChar(text: string): number {
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c >= 0x20 && c < 0xd800) continue;
    if (c < 0x20) {
      if (c === 0x9 || c === 0xa || c === 0xd) continue;
      return i;
    }
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i += 1;
        continue;
      }
      return i;
    }
    if (c <= 0xdfff) return i; // lone low surrogate
    if (c === 0xfffe || c === 0xffff) return i;
  }
  return -1;
}

/** Throws the 4600 for `parameter` when `text` holds a character outside XML 1.0 (rule 2). */
export function assertLegalText(text: string, parameter: string): void {
  const at = firstIllegalChar(text);
  if (at >= 0) {
    const code = text.charCodeAt(at).toString(16).toUpperCase().padStart(4, '0');
    throw new LegacyRequestError(`${parameter}: control or non-character U+${code} at offset ${at}`, 'bad-parameter', { parameter });
  }
}
