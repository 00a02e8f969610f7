/**
 * org.json quoting with its fast path (a text without any character that quoting may change is returned as is)
 * must equal the character-by-character rules for every text, and the record JSON renderer must stay linear in a
 * value's length whatever whitespace it holds (Java's String.trim on plain text).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { orgJsonQuote } from '../../src/legacy/json.js';
import { renderReadJson } from '../../src/legacy/read-response.js';
import { growthRatio, LINEAR_LIMIT } from '../support/growth.js';

/** JSONObject.quote as org.json writes it, one character at a time (the reference). */
function referenceQuote(text: string): string {
  let out = '"';
  let prev = '';
  for (const ch of text.split('')) {
    const code = ch.charCodeAt(0);
    const named: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };
    if (named[ch] !== undefined) out += named[ch];
    else if (ch === '/') out += prev === '<' ? '\\/' : '/';
    else if (code < 0x20 || (code >= 0x80 && code < 0xa0) || (code >= 0x2000 && code < 0x2100)) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
    prev = ch;
  }
  return `${out}"`;
}

/** Characters from every class the quoting rules tell apart, and ordinary ones around them. */
const interesting = fc.constantFrom(
  'a', 'Z', ' ', '<', '/', '"', '\\', '\b', '\t', '\n', '\f', '\r', '\u0000', '\u001f', '\u007f', '\u0080', '\u009f', '\u00a0',
  'é', '\u1fff', '\u2000', '\u2028', '\u20ac', '\u20ff', '\u2100', '中', '\ud83d', '\ude00',
);

describe('orgJsonQuote', () => {
  it.each([
    ['', '""'],
    ['plain text', '"plain text"'],
    ['a/b', '"a/b"'],
    ['</b>', '"<\\/b>"'],
    ['x\u2028y', '"x\\u2028y"'],
    ['Last 1 & Sons', '"Last 1 & Sons"'],
  ])('%j → %s', (text, quoted) => {
    expect(orgJsonQuote(text)).toBe(quoted);
  });

  it('equals the character-by-character rules for any text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(interesting).map((a) => a.join('')), fc.string({ unit: 'binary' })), (text) => {
        expect(orgJsonQuote(text)).toBe(referenceQuote(text));
      }),
      { numRuns: 500 },
    );
  });
});

describe('record JSON rendering is linear', () => {
  it.each([
    ['a run of spaces inside a plain value', (n: number) => `x${' '.repeat(n)}y`],
    ['a plain value of spaces only', (n: number) => ' '.repeat(n)],
    ['a long value that needs quoting', (n: number) => '"\\\u2028</'.repeat(n)],
  ])('%s', (_name, value) => {
    const ratio = growthRatio(
      (n) => ({ kind: 'records' as const, module: 'Leads', rows: [{ fields: [{ label: 'Description', value: value(n), raw: true }] }] }),
      (result) => renderReadJson('/crm/private/json/Leads/getRecords', result),
      20_000,
    );
    expect(ratio, `CPU time at 8n / at n = ${ratio.toFixed(2)}`).toBeLessThan(LINEAR_LIMIT);
  });
});
