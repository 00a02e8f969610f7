/**
 * fast-check generators of valid xmlData documents for the differential tests: random labels and values with
 * `&`, `<`, `>`, quotes, `]]>`, CDATA, 4-byte UTF-8, references, comments, PIs, CR LF, lower/upper-case tags,
 * single and double quotes, ignored elements and product rows. "Valid" means both parsers accept the syntax;
 * a document may still have no <row> (rejected by both).
 */
import fc from 'fast-check';

// --- generators of valid documents ---------------------------------------------------------------------------

const ws = fc.constantFrom('', '', ' ', '\n', '\r\n', '\t', '\n  ', ' \r ');
const caseOf = (name: string): fc.Arbitrary<string> => fc.constantFrom(name, name.toUpperCase(), name[0].toUpperCase() + name.slice(1));

/** A character of data, raw or as any reference XML allows. */
const dataChar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'Z', '0', ' ', '.', '-', '_', '%', '+', '=', '/', '?', '!', ']', '[', '#', ';', '中', 'é', '😀', '\u00a0', '\u2028', '\t', '\n', '\r') },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 2 }).map((s) => s.replace(/[&<"'\r]/g, '')) },
  { weight: 3, arbitrary: fc.constantFrom('&amp;', '&lt;', '&gt;', '&quot;', '&apos;', '&#38;', '&#x26;', '&#60;', '&#x3C;', '&#13;', '&#32;', '&#x1F600;', '&#20013;', '&#0065;') },
);
/** Text content: data characters plus raw `>`, quotes and `]]>`, which text may contain unescaped. */
const textContent = fc.array(fc.oneof({ weight: 8, arbitrary: dataChar }, { weight: 1, arbitrary: fc.constantFrom('>', '"', "'", ']]>') }), { maxLength: 8 }).map((p) => p.join(''));
const cdata = fc
  .array(fc.oneof(dataChar.map((c) => c.replace(/&/g, '&')), fc.constantFrom('&', '<', '>', '<!DOCTYPE x>', '&nbsp;', ']]', ']>', ' ', '\n')), { maxLength: 6 })
  .map((p) => `<![CDATA[${p.join('').replace(/]]>/g, '')}]]>`);
const comment = fc.constantFrom('<!-- c -->', '<!---->', '<!-- <row no="9"/> & -->', '<!-- a - b -->');
const pi = fc.constantFrom('<?php echo 1 ?>', '<?pi?>', '<?x-y data="1"?>');
const misc = fc.oneof({ weight: 4, arbitrary: ws }, { weight: 1, arbitrary: comment }, { weight: 1, arbitrary: pi });

/** An attribute value quoted with `quote`, any character escaped or raw as XML allows (`<` only escaped). */
function attrValue(quote: '"' | "'"): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof({ weight: 6, arbitrary: dataChar }, { weight: 1, arbitrary: fc.constantFrom('>', quote === '"' ? "'" : '"', '&#34;', '&#39;') }), { maxLength: 6 })
    .map((p) => `${quote}${p.join('')}${quote}`);
}
const quoted = fc.constantFrom<'"' | "'">('"', "'").chain(attrValue);
/** ` name="value"` with optional whitespace around `=`. */
const attribute = (name: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(fc.constantFrom(' ', '\n', '  ', '\t'), name, fc.constantFrom('=', ' = ', '=\n'), quoted).map(([a, n, eq, v]) => `${a}${n}${eq}${v}`);
const otherAttribute = attribute(fc.constantFrom('id', 'x:type', 'data-v', 'NOPE', 'value'));

/** The attributes of an element that reads `wanted` (maybe absent, maybe differently cased). */
const attributesWith = (wanted: string): fc.Arbitrary<string> =>
  fc
    .tuple(fc.option(attribute(caseOf(wanted)), { freq: 4 }), fc.array(otherAttribute, { maxLength: 1 }), fc.boolean())
    .map(([w, others, first]) => (first ? [w ?? '', ...others] : [...others, w ?? '']).join(''));

const endOf = (name: string, content: string, attrs: string): string =>
  content === '' ? `<${name}${attrs}${Math.random() < 0.5 ? '/' : ` /`}>`.replace(' /', '/') : `<${name}${attrs}>${content}</${name}>`;

const ignoredElement = fc.tuple(fc.constantFrom('x', 'note', 'd'), textContent).map(([n, t]) => (t === '' ? `<${n}/>` : `<${n}>${t}</${n}>`));

/** Content of an FL holding text: text, CDATA, comments, PIs and ignored elements, in any order. */
const textValue = fc
  .array(fc.oneof({ weight: 5, arbitrary: textContent }, { weight: 2, arbitrary: cdata }, { weight: 2, arbitrary: ws }, { weight: 1, arbitrary: comment }, { weight: 1, arbitrary: pi }, { weight: 1, arbitrary: ignoredElement }), { maxLength: 5 })
  .map((p) => p.join(''));

const leafField = fc.tuple(caseOf('fl'), attributesWith('val'), textValue).map(([n, a, v]) => (v === '' && Math.random() < 0.5 ? `<${n}${a}/>` : `<${n}${a}>${v}</${n}>`));
const product = fc
  .tuple(caseOf('product'), attributesWith('no'), fc.array(fc.tuple(misc, leafField).map((p) => p.join('')), { maxLength: 3 }), misc)
  .map(([n, a, fields, tail]) => endOf(n, fields.join('') + tail, a));
const productField = fc
  .tuple(caseOf('fl'), attributesWith('val'), fc.array(fc.oneof({ weight: 4, arbitrary: product }, { weight: 1, arbitrary: ignoredElement }, { weight: 1, arbitrary: textContent }), { minLength: 1, maxLength: 3 }))
  .map(([n, a, kids]) => `<${n}${a}>${kids.join('')}</${n}>`);
const field = fc.oneof({ weight: 5, arbitrary: leafField }, { weight: 1, arbitrary: productField });
const row = fc
  .tuple(caseOf('row'), attributesWith('no'), fc.array(fc.tuple(misc, fc.oneof({ weight: 6, arbitrary: field }, { weight: 1, arbitrary: ignoredElement })).map((p) => p.join('')), { maxLength: 4 }), misc)
  .map(([n, a, fields, tail]) => endOf(n, fields.join('') + tail, a));
const rootChild = fc.oneof({ weight: 8, arbitrary: row }, { weight: 1, arbitrary: ignoredElement }, { weight: 1, arbitrary: textContent.map((t) => t.replace(/^[^&]*&|$/, '')) });

export const validDocument = fc
  .tuple(
    fc.constantFrom('', '\ufeff'),
    fc.constantFrom('', '<?xml version="1.0" encoding="UTF-8"?>', "<?xml version='1.0'?>"),
    fc.array(misc, { maxLength: 2 }),
    fc.constantFrom('Leads', 'Quotes', 'CustomModule1', 'ns:Leads', 'Potentials'),
    fc.array(fc.tuple(misc, rootChild).map((p) => p.join('')), { minLength: 1, maxLength: 4 }),
    misc,
    fc.array(misc, { maxLength: 2 }),
  )
  .map(([bom, prolog, before, root, kids, tail, after]) => `${bom}${prolog}${before.join('')}<${root}>${kids.join('')}${tail}</${root}>${after.join('')}`);

