import MarkdownIt from 'markdown-it';
import { marked } from 'marked';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markdownText } from '../../src/report/escape.js';
import { runReport } from '../../src/report/run.js';
import { memoryIO, tempDir } from '../convert/helpers.js';

/** Client text a v1 integration can send (user agent, FL label, value, module, file name), meant to break Markdown. */
const HOSTILE: readonly string[] = [
  '<img src=x onerror=alert(1)>',
  '<script>alert(2)</script>',
  '<!-- comment --> <b>bold</b> </td></tr><tr><td>',
  '`code` and ``double`` ``` fence',
  '[link](javascript:alert(3)) [ref][1] [1]: javascript:alert(4)',
  '![img](javascript:alert(5)) <javascript:alert(6)>',
  'a | b || c \\| d',
  'line1\nline2\r\n# heading\n\n<div>block</div>\n    indented\n---',
  '*em* _em_ **strong** __strong__ ~~strike~~ ~one~ $math$ $$x$$',
  '&lt;entity&gt; &amp; &#60;b&#62; &#x3c;i&#x3e; &copy',
  '- list item',
  '+ plus',
  '* star',
  '1. ordered',
  '2) ordered',
  '    four spaces first',
  '> quote',
  '# heading #',
  '###### six',
  '===',
  '```js',
  '~~~',
  '\\',
  'ends with backslash\\',
  'tab\there\u0000nul\u007fdel\u001besc',
  '](javascript:alert(7))',
  '<http://autolink.example/x>',
  'Mozilla/5.0 (X11; Linux x86_64) https://example.com/bot',
  'Last_Name',
  // GFM autolink literals and markdown-it linkify (linkify-it) forms: none may become a link.
  'see http://evil.example/x and https://evil.example?q=1#f',
  'HTTPS://EVIL.COM/X ftp://files.evil.example/y',
  'www.evil.example WWW.Evil.com www.1x.com',
  'mail bob@evil.example or b.smith+tag@sub.evil.co.uk',
  'mailto:bob@evil.example xmpp:alice@evil.org',
  '<https://evil.example> <bob@evil.example> <mailto:bob@evil.example>',
  'evil.com/x github.com пример.рф',
  '//localhost/x //evil.com/y localhost:8080/z',
  'http://127.0.0.1:8080/x',
  '',
];

/** Everyday client text: passes through markdownText unchanged (the kit's source stays readable). */
const ORDINARY: readonly string[] = ['Last Name', 'Annual Revenue', 'Kit: 12.5 of 100', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)', 'Rs. 1,000.50', 'a/b', 'Leads', 'insertRecords', 'www', '12,5 %'];

/** What the text must read as: C0 controls and DEL shown as their Control Pictures symbols. */
const visible = (s: string): string => s.replace(/[\u0000-\u001f\u007f]/g, (c) => String.fromCharCode(c === '\u007f' ? 0x2421 : 0x2400 + c.charCodeAt(0)));

const markdownIt = new MarkdownIt({ html: true });
const markdownItLinkify = new MarkdownIt({ html: true, linkify: true });
/**
 * CommonMark/GFM renderers that pass raw HTML through (the worst case for a kit opened in a viewer), with and
 * without autolinking bare URLs / domains / e-mails (marked's GFM autolink literals, markdown-it's linkify).
 */
const RENDERERS: Record<string, (md: string) => string> = {
  'markdown-it (html: true)': (md) => markdownIt.render(md),
  'markdown-it (html: true, linkify: true)': (md) => markdownItLinkify.render(md),
  'marked (gfm)': (md) => marked.parse(md, { async: false, gfm: true }) as string,
};

const decode = (html: string): string =>
  html
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
/** The text a reader sees: tags removed, entities decoded. */
const textOf = (html: string): string => decode(html.replace(/<[^>]*>/g, '')).trim();

/** Tag names in rendered HTML (README: kit text is never a link, so an `a` tag fails every allowed list). */
function tagsOf(html: string): Set<string> {
  return new Set([...html.matchAll(/<\/?([a-zA-Z][\w-]*)/g)].map((m) => m[1].toLowerCase()));
}

const subset = (tags: Set<string>, allowed: readonly string[]): string[] => [...tags].filter((t) => !allowed.includes(t));

describe('markdownText: client text renders as itself in every Markdown context', () => {
  const cases = Object.keys(RENDERERS).flatMap((renderer) => HOSTILE.map((text) => [renderer, text] as const));

  it.each(cases)('%s: %j', (renderer, text) => {
    const render = RENDERERS[renderer];
    const md = markdownText(text);
    expect(md).not.toMatch(/[\r\n]/);
    const want = visible(text);

    const inline = render(`Before ${md} after.`);
    expect(inline).not.toMatch(/<a\b/);
    expect(subset(tagsOf(inline), ['p'])).toEqual([]);
    expect(textOf(inline)).toBe(`Before ${want} after.`);

    const item = render(`- ${md}\n- next`);
    expect(subset(tagsOf(item), ['ul', 'li'])).toEqual([]);
    expect(item.match(/<li>/g)).toHaveLength(2);
    expect(textOf(item)).toBe(`${want}\nnext`.trim());

    const heading = render(`# Kit: ${md}`);
    expect(subset(tagsOf(heading), ['h1'])).toEqual([]);
    expect(textOf(heading)).toBe(`Kit: ${want}`.trim());

    if (text !== '') {
      const line = render(`${md}\n\nnext`);
      expect(subset(tagsOf(line), ['p'])).toEqual([]);
      expect(line.match(/<p>/g)).toHaveLength(2);
      expect([...line.matchAll(/<p>([\s\S]*?)<\/p>/g)].map((m) => textOf(m[1]))).toEqual([want.trim(), 'next']);
    }

    const table = render(`| label | value | end |\n| --- | --- | --- |\n| ${md} | ${md} | end |\n| x | y | z |`);
    expect(subset(tagsOf(table), ['table', 'thead', 'tbody', 'tr', 'th', 'td'])).toEqual([]);
    const rows = [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1].matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)].map((c) => textOf(c[1])));
    expect(rows).toEqual([
      ['label', 'value', 'end'],
      [want.trim(), want.trim(), 'end'],
      ['x', 'y', 'z'],
    ]);
  });
});

describe('markdownText: everyday text', () => {
  it.each(ORDINARY)('%j is unchanged and renders as itself', (text) => {
    expect(markdownText(text)).toBe(text);
    for (const render of Object.values(RENDERERS)) expect(textOf(render(`Before ${markdownText(text)} after.`))).toBe(`Before ${text} after.`);
  });
});

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

describe('porting kit README.md written from hostile inputs', () => {
  it('shows user agents, addresses, folder names, modules, methods, labels and values as text: no raw HTML, no link, tables keep their columns', async () => {
    const root = tempDir('kit-markdown');
    const folderName = 'evil <img src=x onerror=alert(1)> | [x](javascript:alert(2)) `t`\n# injected';
    const folder = join(root, folderName);
    mkdirSync(folder);
    const label = '<script>alert(3)</script> | `l` *x* [y](javascript:alert(4))';
    const value = '<img src=x>|`v`*1*';
    writeFileSync(
      join(folder, 'contacts.xml'),
      `<Contacts><row no="1"><FL val="Last Name">Lee</FL><FL val="${xmlEscape(label)}">v</FL><FL val="Date of Birth">${xmlEscape(value)}</FL></row></Contacts>`,
    );
    const journalDir = join(root, 'journal');
    mkdirSync(journalDir);
    const client = { address: '10.0.0.1<b>x</b>', userAgent: '<img src=x onerror=alert(6)> | `ua` [a](javascript:alert(7))\n# h', tokenFingerprint: 'fp:abcdefabcdef' };
    const module = 'Leads<svg onload=alert(8)>|`m`';
    const method = 'frobnicate[z](javascript:alert(9))';
    const base = { client, format: 'xml', module, method, path: `/crm/private/xml/${module}/${method}`, params: {} };
    const lines = [
      { ...base, type: 'request', id: 'r1', ts: '2026-01-01T10:00:00.000Z' },
      { ...base, type: 'outcome', id: 'r1', ts: '2026-01-01T10:00:00.100Z', durationMs: 100, upstream: false, v2Calls: [], legacy: { kind: 'error', code: '4600', message: `Unable to process your request. <b>${method}</b>` }, rows: [], category: 'unsupported-method' },
    ];
    writeFileSync(join(journalDir, 'journal.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const out = tempDir('kit-markdown-out');
    const io = memoryIO();
    const report = await runReport({ inputs: [root], out }, io);
    expect(report.data, io.err()).toBeDefined();

    const kits = readdirSync(join(out, 'integrations'));
    expect(kits).toHaveLength(2);
    const rendered = Object.entries(RENDERERS).flatMap(([renderer, render]) =>
      kits.map((id) => ({ where: `${renderer} ${id}`, source: readFileSync(join(out, 'integrations', id, 'README.md'), 'utf8'), html: render(readFileSync(join(out, 'integrations', id, 'README.md'), 'utf8')) })),
    );
    for (const { where, source, html } of rendered) {
      expect(subset(tagsOf(html), ['h1', 'h2', 'p', 'ul', 'li', 'table', 'thead', 'tbody', 'tr', 'th', 'td']), where).toEqual([]);
      expect(html, where).not.toMatch(/<a\b|<img|<script|<svg|<b>/);
      // Every table row has its header's cell count.
      for (const table of html.matchAll(/<table>([\s\S]*?)<\/table>/g)) {
        const counts = [...table[1].matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1].matchAll(/<t[dh]\b/g)].length);
        expect(new Set(counts).size, `${where}: ${counts.join(',')}`).toBe(1);
      }
      // The heading is one line: nothing the client sent starts a block of its own.
      expect(source.split('\n').filter((l) => l.startsWith('# ')), where).toHaveLength(1);
    }
    const text = rendered.map((r) => textOf(r.html)).join('\n');
    for (const shown of [folderName, label, value, client.userAgent, client.address, module, method]) expect(text).toContain(visible(shown));
    // The hostile value (with its pipe) is one cell of the conversion-failures table; the label one list item.
    const tableText = rendered.flatMap((r) => [...r.html.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((m) => textOf(m[1])));
    expect(tableText).toContain(`"${value}"`);
    const items = rendered.flatMap((r) => [...r.html.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => textOf(m[1])));
    expect(items).toContain(`Contacts: "${label}"`);
  });
});
