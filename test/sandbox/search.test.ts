import { describe, expect, it } from 'vitest';
import { CriteriaError, parseCriteria } from '../../src/sandbox/search.js';
import { sandbox, type TestSandbox } from './helpers.js';

describe('parseCriteria', () => {
  it('parses a condition, escapes and and/or groups (and binds tighter)', () => {
    expect(parseCriteria('(Last_Name:equals:Burns\\,B)')).toEqual({ kind: 'cond', field: 'Last_Name', operator: 'equals', values: ['Burns,B'] });
    expect(parseCriteria('(Account_Name:equals:Patricia\\(Boyle\\))')).toMatchObject({ values: ['Patricia(Boyle)'] });
    expect(parseCriteria('(Last_Name:equals:a,b)')).toMatchObject({ values: ['a', 'b'] });
    const tree = parseCriteria('((A:equals:1)or(B:equals:2) and (C:starts_with:3))');
    expect(tree).toEqual({
      kind: 'or',
      parts: [
        { kind: 'cond', field: 'A', operator: 'equals', values: ['1'] },
        { kind: 'and', parts: [
          { kind: 'cond', field: 'B', operator: 'equals', values: ['2'] },
          { kind: 'cond', field: 'C', operator: 'starts_with', values: ['3'] },
        ] },
      ],
    });
  });

  it.each([
    ['Last_Name:equals:x', 'expected "("'],
    ['(Last_Name:equals:x', 'expected ")"'],
    ['(Last_Name:contains:x)', 'invalid operator found'],
    ['((A:equals:1)xor(B:equals:2))', 'expected "and" or "or"'],
    ['(A:equals:1) trailing', 'unexpected text after the criteria'],
  ])('rejects %s', (text, reason) => {
    expect(() => parseCriteria(text)).toThrow(CriteriaError);
    try {
      parseCriteria(text);
    } catch (e) {
      expect((e as CriteriaError).details.reason).toBe(reason);
    }
  });

  it('refuses more than 10 conditions and more than 2000 characters', () => {
    const eleven = `(${Array.from({ length: 11 }, (_, i) => `(A:equals:${i})`).join('or')})`;
    expect(() => parseCriteria(eleven)).toThrow(/more than 10/);
    const ten = `(${Array.from({ length: 10 }, (_, i) => `(A:equals:${i})`).join('or')})`;
    expect(() => parseCriteria(ten)).not.toThrow();
    expect(() => parseCriteria(`(A:equals:${'x'.repeat(2000)})`)).toThrow(/2000/);
  });
});

describe('GET /crm/v2/{M}/search', () => {
  async function seeded(): Promise<TestSandbox & { ids: Record<string, string> }> {
    const t = await sandbox();
    const acc = await t.http.post('/crm/v2/Accounts').set(t.auth).send({ data: [{ Account_Name: 'Zylker (East)' }] });
    const accId = acc.body.data[0].details.id as string;
    const res = await t.http.post('/crm/v2/Contacts').set(t.auth).send({
      data: [
        { Last_Name: 'Burns,B', First_Name: 'Mary', Email: 'mary@zylker.com', Phone: '888-555-2145', Account_Name: { id: accId } },
        { Last_Name: 'Burns', First_Name: 'Max', Secondary_Email: 'MAX@other.org', Mobile: '(888) 555 0000' },
        { Last_Name: 'Hawkins', First_Name: 'Pat', Description: 'met at the Spring fair' },
      ],
    });
    const [mary, max, pat] = res.body.data.map((d: { details: { id: string } }) => d.details.id);
    return { ...t, ids: { acc: accId, mary, max, pat } };
  }
  const names = (body: { data: { First_Name: string }[] }) => body.data.map((r) => r.First_Name);
  const search = (t: TestSandbox, query: Record<string, string>) => t.http.get('/crm/v2/Contacts/search').query(query).set(t.auth);

  it('criteria with an escaped comma and and/starts_with; v2 response shape', async () => {
    const t = await seeded();
    const res = await search(t, { criteria: '((Last_Name:equals:Burns\\,B)and(First_Name:starts_with:M))' });
    expect(res.status).toBe(200);
    expect(names(res.body)).toEqual(['Mary']);
    expect(res.body.info).toEqual({ per_page: 200, count: 1, page: 1, more_records: false });
  });

  it('case-insensitive equals, or, unescaped comma = alternatives, paging', async () => {
    const t = await seeded();
    expect(names((await search(t, { criteria: '(Last_Name:equals:BURNS)' })).body)).toEqual(['Max']);
    expect(names((await search(t, { criteria: '((Last_Name:equals:hawkins)or(First_Name:starts_with:ma))' })).body)).toEqual(['Mary', 'Max', 'Pat']);
    expect(names((await search(t, { criteria: '(Last_Name:equals:Burns,Hawkins)' })).body)).toEqual(['Max', 'Pat']);
    const page = await search(t, { criteria: '(Last_Name:starts_with:b)', per_page: '1', page: '2' });
    expect(names(page.body)).toEqual(['Max']);
    expect(page.body.info).toEqual({ per_page: 1, count: 1, page: 2, more_records: false });
  });

  it('lookups compare by id or by name (escaped parentheses)', async () => {
    const t = await seeded();
    expect(names((await search(t, { criteria: `(Account_Name:equals:${t.ids.acc})` })).body)).toEqual(['Mary']);
    expect(names((await search(t, { criteria: '(Account_Name:equals:zylker \\(east\\))' })).body)).toEqual(['Mary']);
    expect(names((await search(t, { criteria: '(Owner:equals:dexter heng)' })).body)).toHaveLength(3);
  });

  it('email=, phone=, word= search their field types; criteria wins over the others', async () => {
    const t = await seeded();
    expect(names((await search(t, { email: 'max@OTHER.org' })).body)).toEqual(['Max']);
    expect(names((await search(t, { phone: '8885550000' })).body)).toEqual(['Max']);
    expect(names((await search(t, { phone: '888 555 2145' })).body)).toEqual(['Mary']);
    expect(names((await search(t, { word: 'spring' })).body)).toEqual(['Pat']);
    expect(names((await search(t, { word: 'zylker' })).body)).toEqual(['Mary']);
    expect(names((await search(t, { criteria: '(First_Name:equals:Pat)', email: 'mary@zylker.com' })).body)).toEqual(['Pat']);
  });

  it('nothing found → 204 with no body', async () => {
    const t = await seeded();
    const queries: Record<string, string>[] = [{ criteria: '(Last_Name:equals:Nobody)' }, { email: 'no@x.co' }, { phone: '1' }, { word: 'zzz' }];
    for (const q of queries) {
      const res = await search(t, q);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
    }
  });

  it('errors: 2000-char limit, bad syntax, unknown field, no parameter, unknown module', async () => {
    const t = await seeded();
    const long = await search(t, { criteria: `(Last_Name:equals:${'x'.repeat(2000)})` });
    expect(long.status).toBe(400);
    expect(long.body).toEqual({
      code: 'INVALID_QUERY',
      details: { reason: 'criteria exceeds the maximum length of 2000 characters' },
      message: 'invalid query formed',
      status: 'error',
    });
    const op = await search(t, { criteria: '(Last_Name:contains:x)' });
    expect(op.body.details).toEqual({ reason: 'invalid operator found', api_name: 'Last_Name', operator: 'contains' });
    const field = await search(t, { criteria: '(Nope:equals:x)' });
    expect(field.body.details).toEqual({ reason: 'the field is not available for search', api_name: 'Nope' });
    const none = await search(t, {});
    expect(none.status).toBe(400);
    expect(none.body).toEqual({ code: 'REQUIRED_PARAM_MISSING', details: { param: 'criteria' }, message: 'One of the expected parameter is missing', status: 'error' });
    expect((await t.http.get('/crm/v2/Nope/search?word=x').set(t.auth)).body.code).toBe('INVALID_MODULE');
  });
});

describe('criteria escapes (v2 rules for "(", ")", "," and "\\")', () => {
  it.each([
    ['Burns\\,B', ['Burns,B']],
    ['Patricia\\(Boyle\\)', ['Patricia(Boyle)']],
    ['back\\\\slash', ['back\\slash']],
    ['lone\\back', ['lone\\back']], // a backslash before another character stays
    ['trailing\\\\', ['trailing\\']], // a value ending in a backslash must escape it: `\)` would escape the paren
    ['C:\\\\temp\\\\x', ['C:\\temp\\x']],
    ['a\\\\,b', ['a\\', 'b']], // an escaped backslash, then a separating comma
    ['a\\\\\\,b', ['a\\,b']],
    ['100\\%', ['100\\%']],
  ])('value %s → %j', (raw, values) => {
    expect(parseCriteria(`(Last_Name:equals:${raw})`)).toMatchObject({ values });
  });

  it('an unescaped trailing backslash escapes the closing parenthesis → INVALID_QUERY', () => {
    expect(() => parseCriteria('(Last_Name:equals:trailing\\)')).toThrow(/expected "\)"/);
  });

  it('the bridge\'s escaping round-trips through the sandbox parser for every special character', async () => {
    const { escapeCriteriaValue } = await import('../../src/zoho/records.js');
    for (const value of ['a(b)c', 'x,y', 'back\\slash', '\\', '((,))\\\\', 'plain']) {
      expect(parseCriteria(`(Last_Name:equals:${escapeCriteriaValue(value)})`)).toMatchObject({ values: [value] });
    }
  });

  it('a stored value with a backslash is found by its escaped and by its lone-backslash form', async () => {
    const t = await sandbox();
    await t.http.post('/crm/v2/Accounts').set(t.auth).send({ data: [{ Account_Name: 'Dept\\Sales' }] });
    for (const criteria of ['(Account_Name:equals:Dept\\\\Sales)', '(Account_Name:equals:Dept\\Sales)']) {
      const res = await t.http.get('/crm/v2/Accounts/search').query({ criteria }).set(t.auth);
      expect(res.status).toBe(200);
      expect(res.body.data[0].Account_Name).toBe('Dept\\Sales');
    }
  });
});

describe('equals: exact alone, looser among several conditions, paged with more_records', () => {
  async function accounts(names: string[], options: Parameters<typeof sandbox>[0] = {}) {
    const t = await sandbox(options);
    for (let i = 0; i < names.length; i += 100) {
      await t.http.post('/crm/v2/Accounts').set(t.auth).send({ data: names.slice(i, i + 100).map((n) => ({ Account_Name: n })) });
    }
    const find = async (criteria: string, page = 1) =>
      t.http.get('/crm/v2/Accounts/search').query({ criteria, page: String(page) }).set(t.auth);
    return { t, find };
  }
  const names = (res: { status: number; body: { data?: { Account_Name: string }[] } }) =>
    res.status === 204 ? [] : res.body.data!.map((r) => r.Account_Name);

  it.each([
    ['word-prefix (default)', undefined, ['ABC', 'ABC Inc', 'abc-2', 'Other']],
    ['prefix', 'prefix', ['ABC', 'ABC Inc', 'abc-2', 'ABCD', 'Other']],
    ['exact', 'exact', ['ABC', 'Other']],
  ] as const)('%s', async (_name, looseEquals, expected) => {
    const { find } = await accounts(['ABC', 'ABC Inc', 'abc-2', 'ABCD', 'XABC', 'Other'], looseEquals ? { looseEquals } : {});
    expect(names(await find('(Account_Name:equals:ABC)'))).toEqual(['ABC']); // one condition: exact
    expect(names(await find('((Account_Name:equals:ABC)or(Account_Name:equals:Other))'))).toEqual(expected);
  });

  it('loose matches beyond 200 are paged: more_records true, the exact record on page 2', async () => {
    const many = Array.from({ length: 250 }, (_, i) => `Acme ${String(i).padStart(3, '0')}`);
    const { find } = await accounts([...many, 'Acme']);
    const criteria = '((Account_Name:equals:Acme)or(Account_Name:equals:Nothing))';
    const first = await find(criteria);
    expect(first.body.info).toEqual({ per_page: 200, count: 200, page: 1, more_records: true });
    expect(names(first)).not.toContain('Acme');
    const second = await find(criteria, 2);
    expect(second.body.info).toEqual({ per_page: 200, count: 51, page: 2, more_records: false });
    expect(names(second)).toContain('Acme');
  });
});
