/**
 * Differential tests: the single-pass scanner (src/legacy/xmldata.ts) against the fast-xml-parser based reference
 * implementation it replaced (test/legacy/xmldata-reference.ts). Same rows for every valid document, same
 * rejection for malformed ones.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LegacyRequestError } from '../../src/errors.js';
import { legacyErrorOf } from '../../src/mapping/results.js';
import { firstIllegalChar } from '../../src/legacy/charset.js';
import { legacyErrors } from '../../src/legacy/errors.js';
import { parseXmlData, type XmlDataLimits } from '../../src/legacy/xmldata.js';
import { parseXmlDataReference } from './xmldata-reference.js';
import { validDocument } from './xmldata-generators.js';

const xmlDataError = legacyErrors.badParameter('xmlData');

type Outcome = { ok: true; value: unknown } | { ok: false; legacy: unknown };

function outcome(parse: typeof parseXmlData, xml: string, limits?: XmlDataLimits): Outcome {
  try {
    return { ok: true, value: parse(xml, limits) };
  } catch (error) {
    if (!(error instanceof LegacyRequestError)) throw error; // anything else is a bug in either parser
    return { ok: false, legacy: legacyErrorOf(error) };
  }
}

/** Both parsers agree on `xml`; returns the common outcome. */
function agree(xml: string, limits?: XmlDataLimits): Outcome {
  const scanned = outcome(parseXmlData, xml, limits);
  const reference = outcome(parseXmlDataReference, xml, limits);
  expect(scanned, `document: ${JSON.stringify(xml)}`).toEqual(reference);
  return scanned;
}

/**
 * Inputs where the scanner deliberately differs from the reference, both sides being wrong XML. The reference's
 * validator and parser read these two different ways (so its answer was an accident), and the scanner rejects
 * them: a quote inside a processing instruction (`<?pi a="?>"?>`, `<?pi don't?>`), a closing tag ending in `/>`
 * (`</row/>`), and `<!--` / `<![CDATA[` inside an attribute value or PI, which blinded the reference's textual
 * DOCTYPE check to the markup that followed. And any character outside XML 1.0 (a raw control character, an
 * unpaired surrogate) anywhere in the document: the scanner applies the request-wide input-hygiene rule
 * (src/legacy/charset.ts), the reference only checked the values it read.
 */
function knownDeviation(xml: string): boolean {
  return (
    firstIllegalChar(xml) >= 0 ||
    /<\?(?:(?!\?>)[^])*['"]/.test(xml) ||
    /<\/[^>\s]*\/\s*>/.test(xml) ||
    /=\s*(?:"[^"]*<![^"]*"|'[^']*<![^']*')/.test(xml) ||
    /<\?(?:(?!\?>)[^])*<!/.test(xml) ||
    // `<?>` is an empty PI to both, but only the scanner validates the text after it (the reference skipped it).
    xml.includes('<?>')
  );
}

function rejectedByBoth(xml: string): void {
  const result = agree(xml);
  expect(result, `document: ${JSON.stringify(xml)}`).toEqual({ ok: false, legacy: xmlDataError });
}

// --- the tests -------------------------------------------------------------------------------------------------

describe('scanner ≡ fast-xml-parser reference', () => {
  it('gives the same rows for valid documents', () => {
    let accepted = 0;
    fc.assert(
      fc.property(validDocument, (xml) => {
        if (agree(xml).ok) accepted += 1;
      }),
      { numRuns: 1500 },
    );
    // Most generated documents have rows (the rest: no <row> at all, rejected by both).
    expect(accepted).toBeGreaterThan(1000);
  });

  it('agrees under maxRows and maxDepth limits', () => {
    fc.assert(
      fc.property(validDocument, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 8 }), (xml, maxRows, maxDepth) => {
        agree(xml, { maxRows, maxDepth });
      }),
      { numRuns: 500 },
    );
  });

  it('rejects truncated documents like the reference', () => {
    fc.assert(
      fc.property(validDocument, fc.double({ min: 0, max: 1, noNaN: true }), (xml, at) => {
        const body = xml.replace(/(<\/[^>]*>)\s*(?:<!--[^]*?-->|<\?[^]*?\?>|\s)*$/, '$1'); // end at the root's closing tag
        const cut = Math.floor(at * (body.length - 1));
        agree(body.slice(0, cut));
        rejectedByBoth(body.slice(0, body.lastIndexOf('</')) + (cut % 2 ? '' : '</'));
      }),
      { numRuns: 500 },
    );
  });

  it('rejects unbalanced and mismatched tags like the reference', () => {
    fc.assert(
      fc.property(validDocument, fc.nat(), fc.constantFrom('drop', 'case', 'swap', 'extra'), (xml, pick, how) => {
        const closings = [...xml.matchAll(/<\/([^>\s]+)\s*>/g)];
        const m = closings[pick % closings.length];
        const [whole, name] = m;
        const mutated =
          how === 'drop'
            ? xml.slice(0, m.index) + xml.slice(m.index + whole.length)
            : how === 'case'
              ? xml.slice(0, m.index) + `</${name === name.toLowerCase() ? name.toUpperCase() : name.toLowerCase()}>` + xml.slice(m.index + whole.length)
              : how === 'swap'
                ? xml.slice(0, m.index) + `</${name}x>` + xml.slice(m.index + whole.length)
                : xml.slice(0, m.index) + `${whole}</${name}>` + xml.slice(m.index + whole.length);
        const result = agree(mutated);
        // Lower-casing `</fl>` or `</ns:leads>` is a real mismatch; only all-caps/no-letter names survive 'case'.
        if (how !== 'case' || /[a-z]/i.test(name)) expect(result.ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects DOCTYPE and ENTITY declarations wherever they are', () => {
    fc.assert(
      fc.property(
        validDocument,
        fc.constantFrom('<!DOCTYPE Leads>', '<!DOCTYPE L [<!ENTITY e "boom">]>', '<!ENTITY x SYSTEM "file:///etc/passwd">', '<!doctype x>', '<!ELEMENT a ANY>', '<![IGNORE[ x ]]>'),
        fc.nat(),
        (xml, declaration, pick) => {
          // Element starts only: comments, CDATA and PIs masked out (a declaration inside them is data).
          const masked = xml.replace(/<!--[^]*?-->|<!\[CDATA\[[^]*?\]\]>|<\?[^]*?\?>/g, (m) => ' '.repeat(m.length));
          const starts = [...masked.matchAll(/<(?![!?/])/g)].map((m) => m.index);
          const at = starts[pick % starts.length];
          rejectedByBoth(xml.slice(0, at) + declaration + xml.slice(at));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects undeclared entities, bare & and bad references in read values', () => {
    fc.assert(
      fc.property(fc.constantFrom('&nbsp;', '&e;', '& ', '&', '&amp', '&#;', '&#x;', '&#0;', '&#xD800;', '&#x110000;', '&#65', '&;', '&#X41;', '&a.b;'), fc.constantFrom('label', 'value', 'no'), (bad, where) => {
        const xml =
          where === 'label'
            ? `<Leads><row no="1"><FL val="A${bad}B">x</FL></row></Leads>`
            : where === 'value'
              ? `<Leads><row no="1"><FL val="A">x${bad}y</FL></row></Leads>`
              : `<Leads><row no="1${bad}"><FL val="A">x</FL></row></Leads>`;
        rejectedByBoth(xml);
      }),
    );
  });

  it.each([
    ['a quote inside a PI', '<L><?pi a="?>"?><row no="1"><FL val="A">x</FL></row></L>'],
    ['an apostrophe inside a PI', "<L><?pi don't?><row no=\"1\"><FL val=\"A\">x</FL></row></L>"],
    ['a closing tag ending in />', '<L><row no="1"><FL val="A">x</FL></row></row/></L>'],
    ['a declaration hidden behind <!-- in an attribute', '<L x="<!--"><row no="1"><!ELEMENT a ANY><FL val="A">--></FL></row></L>'],
    ['a name with U+FEFF (name char to the validator, space to the parser)', '<L><row\uFEFF no="1"><FL val="A">x</FL></row\uFEFF></L>'],
    ['&toString; in a value (the reference looked it up on Object.prototype)', '<L><row no="1"><FL val="A">&toString;</FL></row></L>'],
    ['text outside the root after an empty PI <?>', '<?>php echo 1 ?><Leads><row/></Leads>'],
    ['a raw NUL in a value (as &#0; is)', '<L><row no="1"><FL val="A">x\u0000y</FL></row></L>'],
    ['a raw control character in an attribute never read', '<L><row no="1" x="\u0007"><FL val="A">x</FL></row></L>'],
    ['an unpaired surrogate in a comment', '<L><!-- \udc00 --><row no="1"><FL val="A">x</FL></row></L>'],
    ['U+FFFF in text', '<L><row no="1"><FL val="A">\uffff</FL></row></L>'],
  ])('deliberately rejects what the reference accepted: %s', (_name, xml) => {
    expect(outcome(parseXmlData, xml)).toEqual({ ok: false, legacy: xmlDataError });
  });

  it('agrees on random single-character damage', () => {
    const damage = fc.constantFrom('<', '>', '/', '&', '"', "'", '=', ' ', '!', '?', '-', ']', '[', ';', '#', 'x', 'A', '\n', '<!--', '-->', '<![CDATA[', ']]>', '</', '/>', '<?', '?>');
    fc.assert(
      fc.property(validDocument, fc.nat(), damage, fc.constantFrom('insert', 'replace', 'delete'), (xml, pick, piece, how) => {
        const at = pick % xml.length;
        const mutated =
          how === 'insert' ? xml.slice(0, at) + piece + xml.slice(at) : how === 'replace' ? xml.slice(0, at) + piece + xml.slice(at + 1) : xml.slice(0, at) + xml.slice(at + 1);
        if (!knownDeviation(mutated)) agree(mutated);
      }),
      // Fixed seed: on malformed input the reference's answers are partly accidental (its validator and parser
      // disagree), so unseeded runs occasionally find one more such accident and CI would flicker. Explore with
      // other seeds by hand when changing the scanner.
      { numRuns: 3000, seed: 20261123 },
    );
  });
});
