/** HTML/XML text and attribute escaping for the report (every value from inputs goes through it). */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** One CSV cell (RFC 4180): quoted when needed; a leading = + - @ is neutralised against spreadsheet formulas. */
export function csvCell(value: unknown): string {
  let s = String(value ?? '');
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const MARKDOWN_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '|': '&#124;' };
/** Characters that, raw, let an autolink scanner see a URL, domain or e-mail address (see markdownText). */
const AUTOLINK_ENTITIES: Readonly<Record<string, string>> = { '@': '&#64;', '/': '&#47;', '.': '&#46;' };

/**
 * Text from the inputs (user agents, client addresses, v1 labels and values, module and method names, paths,
 * Zoho messages, and the report's own sentences that quote them) as literal inline Markdown: rendered by a
 * CommonMark 0.31 / GFM renderer, even one that passes raw HTML through, it shows the text and nothing else.
 * Escaping rather than code spans: the problem titles and the integration label are sentences that quote client
 * text, so one function must fit prose, headings, list items and table cells alike.
 * - `&` `<` `>` become entities: no raw HTML, autolink or entity of the input's own can open;
 * - `|` becomes `&#124;`: GFM splits table cells on the raw character, even inside code spans;
 * - `\` `` ` `` `*` `_` `[` `]` `~` `#` `$` are backslash-escaped: no code span, emphasis, link or image,
 *   strike-through, math or heading closer (CommonMark §2.4: any escaped ASCII punctuation is literal);
 * - line breaks, tabs and every other C0 control (and DEL) become their Control Pictures symbol (U+2400…,
 *   U+2421): block structure is read before inline text, so a newline could start a heading or an HTML block;
 * - leading spaces become `&#32;` and a leading `-` `+` `=` or `1.` / `1)` is escaped, so a value that opens a
 *   line or a list item's content cannot start a list, a code block or a setext underline.
 * - GFM autolink literals and markdown-it's `linkify` (linkify-it: schemes, `//host`, fuzzy domains and e-mails)
 *   are broken by entities, which read as text but which no autolink scanner matches (an entity is its own
 *   text node, and the source no longer holds the pattern): every `@` becomes `&#64;`, the second `/` of `//`
 *   (`http://`, `//host`) `&#47;`, a `.` before a letter (so every domain's last dot, whatever TLD list a
 *   linkify uses) and the `.` after `www` `&#46;`. So no URL, `www.` name, domain or e-mail address from the
 *   inputs becomes a link; `mailto:`/`xmpp:` need an `@` and stay text.
 */
export function markdownText(value: unknown): string {
  const text = String(value ?? '')
    .replace(/[\u0000-\u001f\u007f]/g, (c) => String.fromCharCode(c === '\u007f' ? 0x2421 : 0x2400 + c.charCodeAt(0)))
    .replace(/[\\`*_[\]~#$]/g, '\\$&')
    .replace(/[&<>|]/g, (c) => MARKDOWN_ENTITIES[c]!)
    .replace(/@|(?<=\/)\/|\.(?=\p{L})|(?<=www)\./giu, (c) => AUTOLINK_ENTITIES[c]!);
  const lead = /^ */.exec(text)![0].length;
  return '&#32;'.repeat(lead) + text.slice(lead).replace(/^[-+=]|^(\d{1,9})([.)])/, (m, digits?: string, mark?: string) => (digits ? `${digits}\\${mark}` : `\\${m}`));
}
