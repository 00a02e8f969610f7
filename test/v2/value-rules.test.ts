/**
 * The value rules v2 enforces that the bridge checks before sending (src/v2/value-rules.ts, breaker finding 13):
 * what is refused, and — as important — what must pass (v1 took it and v2 takes it).
 */
import { describe, expect, it } from 'vitest';
import { describeRefusal, isV2Email, v2TextRefusal } from '../../src/v2/value-rules.js';

const email = { dataType: 'email', jsonType: 'string', length: 100 };

describe('isV2Email', () => {
  it.each([
    'automation@crm.com 1', 'automation@crm.com\u00a01', 'a b@x.example', 'a@x .example', 'a@x.exa\tmple', 'a@x.example\nb',
    'no-at-sign.example', '@x.example', 'someone@', 'a@@x.example', 'a@x.example,b@x.example', 'a@x.example;b@x.example',
    'someone@localhost', 'someone@x.', 'Jane Doe <jane@x.example>', ' lead@x.example',
  ])('refuses %j', (value) => expect(isV2Email(value)).toBe(false));

  it.each([
    '', 'smith@example.com', 'a.b+tag@sub.example.org', 'UPPER@EXAMPLE.COM', "o'brien@example.ie", 'jörg@bücher.example',
    'x@xn--bcher-kva.example', '"quoted"@example.com', 'a@b.c', '1234_first-last@mail.example.co.uk',
  ])('takes %j', (value) => expect(isV2Email(value)).toBe(true));
});

describe('v2TextRefusal', () => {
  it.each([
    ['an e-mail that is no address', email, 'a@b', { rule: 'email' }],
    ['an e-mail over its length', email, `${'a'.repeat(91)}@x.example`, { rule: 'maximum_length', maximumLength: 100 }],
    ['text over its length', { dataType: 'text', jsonType: 'string', length: 5 }, 'abcdef', { rule: 'maximum_length', maximumLength: 5 }],
    ['a phone over its length', { dataType: 'phone', jsonType: 'string', length: 30 }, '0'.repeat(31), { rule: 'maximum_length', maximumLength: 30 }],
    ['a picklist value over its length', { dataType: 'picklist', jsonType: 'string', length: 3 }, 'abcd', { rule: 'maximum_length', maximumLength: 3 }],
    ['astral characters over the length', { dataType: 'text', jsonType: 'string', length: 2 }, '\u{1F600}\u{1F600}\u{1F600}', { rule: 'maximum_length', maximumLength: 2 }],
  ])('refuses %s', (_name, field, value, refusal) => expect(v2TextRefusal(field, value)).toEqual(refusal));

  it.each([
    ['an e-mail at its length', email, `${'a'.repeat(90)}@x.example`],
    ['text at its length', { dataType: 'text', jsonType: 'string', length: 5 }, 'abcde'],
    ['astral characters at the length (more UTF-16 units)', { dataType: 'text', jsonType: 'string', length: 2 }, '\u{1F600}\u{1F600}'],
    ['a 19-digit bigint (metadata length 18)', { dataType: 'bigint', jsonType: 'string', length: 18 }, '1386586000002579001'],
    ['a date (length is no character count)', { dataType: 'date', jsonType: 'string', length: 5 }, '2026-11-30'],
    ['a field without a length', { dataType: 'text', jsonType: 'string', length: null }, 'x'.repeat(5000)],
    ['a length of 0 (unknown)', { dataType: 'text', jsonType: 'string', length: 0 }, 'x'],
    ['text of a non-string json_type', { dataType: 'text', jsonType: 'jsonarray', length: 2 }, 'abc'],
    ['an empty e-mail (clears the field)', email, ''],
  ])('takes %s', (_name, field, value) => expect(v2TextRefusal(field, value)).toBeUndefined());

  it('the explanation never quotes the value', () => {
    expect(describeRefusal({ rule: 'email' })).toBe('not an e-mail address v2 accepts (one address, no spaces)');
    expect(describeRefusal({ rule: 'maximum_length', maximumLength: 30 })).toBe('longer than the 30 characters v2 accepts in this field');
  });

  it('is linear: a value far over the length stops counting at the limit', () => {
    expect(v2TextRefusal({ dataType: 'textarea', jsonType: 'string', length: 32000 }, 'x'.repeat(5_000_000))).toEqual({ rule: 'maximum_length', maximumLength: 32000 });
  });
});
