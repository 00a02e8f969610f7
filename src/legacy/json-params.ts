/**
 * Flat parameters from a JSON object body (`JSON.stringify(params)` as one widely used client sends it).
 *
 * That client sends no Content-Type and counts Content-Length in UTF-16 units, so a body with non-ASCII text
 * arrives cut short. This reader therefore never throws: it keeps every complete `"name": value` member read
 * before the body ends or stops making sense, and drops the rest (docs/PROTOCOL.md §2, source 5).
 */
import type { FormPair } from './form.js';

/**
 * Members of a flat JSON object, in order. Strings keep their text; numbers, `true` and `false` become their
 * literal text; `null`, nested objects and arrays are skipped. Returns [] for anything that is not an object.
 */
export function parseJsonParams(text: string): FormPair[] {
  return readJsonParams(text).pairs;
}

/**
 * parseJsonParams, and whether the object was complete: `complete` is false when the text ended (or stopped
 * making sense) before the closing `}` — the signature of a Content-Length counted in characters, whose
 * overrun bytes then sit on the connection.
 */
export function readJsonParams(text: string): { pairs: FormPair[]; complete: boolean } {
  const reader = new Reader(text);
  const pairs: FormPair[] = [];
  const done = (complete: boolean) => ({ pairs, complete });
  reader.skipSpace();
  if (!reader.take('{')) return done(false);
  for (;;) {
    reader.skipSpace();
    if (reader.take('}')) return done(true);
    const name = reader.string();
    if (name === undefined) return done(false);
    reader.skipSpace();
    if (!reader.take(':')) return done(false);
    reader.skipSpace();
    const value = reader.value();
    if (value === INCOMPLETE) return done(false);
    if (typeof value === 'string' && name !== '') pairs.push({ name, value });
    reader.skipSpace();
    if (reader.take(',')) continue;
    return done(reader.take('}')); // garbage or truncation: nothing more to read
  }
}

const INCOMPLETE = Symbol('incomplete');
const SKIPPED = Symbol('skipped');

class Reader {
  private pos = 0;
  constructor(private readonly text: string) {}

  skipSpace(): void {
    while (this.pos < this.text.length && /[\s\uFEFF]/.test(this.text[this.pos])) this.pos += 1;
  }

  take(ch: string): boolean {
    if (this.text[this.pos] !== ch) return false;
    this.pos += 1;
    return true;
  }

  /** A complete JSON string, or undefined (not a string, or cut off). */
  string(): string | undefined {
    if (this.text[this.pos] !== '"') return undefined;
    let i = this.pos + 1;
    let out = '';
    while (i < this.text.length) {
      const ch = this.text[i];
      if (ch === '"') {
        this.pos = i + 1;
        return out;
      }
      if (ch === '\\') {
        const esc = this.text[i + 1];
        if (esc === undefined) return undefined;
        if (esc === 'u') {
          const hex = this.text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) return undefined;
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
          continue;
        }
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (!(esc in simple)) return undefined;
        out += simple[esc];
        i += 2;
        continue;
      }
      out += ch;
      i += 1;
    }
    return undefined;
  }

  /** A member value: string text, literal text of a number/boolean, SKIPPED (null, object, array), INCOMPLETE. */
  value(): string | typeof SKIPPED | typeof INCOMPLETE {
    const ch = this.text[this.pos];
    if (ch === '"') return this.string() ?? INCOMPLETE;
    if (ch === '{' || ch === '[') return this.skipNested() ? SKIPPED : INCOMPLETE;
    const literal = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)(?=[\s,}\]]|$)/.exec(this.text.slice(this.pos, this.pos + 64));
    // A literal that runs to the end of the text may itself be cut short ("12" of "1234"): not trusted.
    if (literal === null || this.pos + literal[0].length >= this.text.length) return INCOMPLETE;
    this.pos += literal[0].length;
    return literal[0] === 'null' ? SKIPPED : literal[0];
  }

  /** Skips a balanced object/array (strings respected); false when the text ends first. */
  private skipNested(): boolean {
    let depth = 0;
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos];
      if (ch === '"') {
        if (this.string() === undefined) return false;
        continue;
      }
      if (ch === '{' || ch === '[') depth += 1;
      else if (ch === '}' || ch === ']') {
        depth -= 1;
        if (depth === 0) {
          this.pos += 1;
          return true;
        }
      }
      this.pos += 1;
    }
    return false;
  }
}
