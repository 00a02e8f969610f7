/** v1 read parameters → v2 requests (PROTOCOL-READS.md §2, §4.3, §6): windows, sort, time, criteria, PDC. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ifModifiedSince,
  isCriteriaError,
  isParamError,
  parseNewFormat,
  parseSearchCondition,
  parseSelectColumns,
  parseSort,
  parseV1Criteria,
  parseWindow,
  planPdc,
  planSearch,
  windowPages,
  type SearchPlan,
} from '../../src/mapping/query.js';
import { Schema } from '../../src/mapping/schema.js';

const schema = Schema.bundled();
const leads = schema.module('Leads')!;

describe('windows (§2.2, §4.3)', () => {
  it.each<[Record<string, string>, unknown]>([
    [{}, { from: 1, to: 20, clamped: false }],
    [{ fromindex: '201', toindex: '400' }, { from: 201, to: 400, clamped: false }],
    [{ fromindex: '1', toindex: '1000' }, { from: 1, to: 200, clamped: true }],
    [{ fromindex: '5' }, { from: 5, to: 24, clamped: false }],
    [{ fromindex: '', toindex: '' }, { from: 1, to: 20, clamped: false }],
  ])('%j → %j', (params, expected) => {
    expect(parseWindow(params)).toEqual(expected);
  });
  it.each<[Record<string, string>, string]>([
    [{ fromindex: '10', toindex: '5' }, 'toIndex'],
    [{ fromindex: '0' }, 'fromIndex'],
    [{ fromindex: '-3' }, 'fromIndex'],
    [{ toindex: 'ten' }, 'toIndex'],
    [{ toindex: '0' }, 'toIndex'],
  ])('%j → 4600 naming %s', (params, parameter) => {
    const w = parseWindow(params);
    expect(isParamError(w) && w.parameter).toBe(parameter);
  });
  it.each<[number, number, unknown]>([
    [1, 20, { perPage: 20, pages: [1], skip: 0, take: 20 }],
    [1, 200, { perPage: 200, pages: [1], skip: 0, take: 200 }],
    [201, 400, { perPage: 200, pages: [2], skip: 0, take: 200 }],
    [401, 600, { perPage: 200, pages: [3], skip: 0, take: 200 }],
    [1, 1, { perPage: 1, pages: [1], skip: 0, take: 1 }],
    [150, 250, { perPage: 125, pages: [2], skip: 24, take: 101 }],
    [101, 300, { perPage: 200, pages: [1, 2], skip: 100, take: 200 }],
  ])('window %d–%d → %j', (from, to, expected) => {
    expect(windowPages({ from, to })).toEqual(expected);
  });
  it('property: the pages always cover exactly the window with at most two calls', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 200 }), (from, n) => {
        const plan = windowPages({ from, to: from + n - 1 });
        expect(plan.pages.length).toBeLessThanOrEqual(2);
        expect(plan.perPage).toBeLessThanOrEqual(200);
        const first = (plan.pages[0] - 1) * plan.perPage + plan.skip + 1;
        expect(first).toBe(from);
        expect(plan.take).toBe(n);
        expect(plan.skip + plan.take).toBeLessThanOrEqual(plan.pages.length * plan.perPage);
      }),
    );
  });
});

describe('simple parameters', () => {
  it('newFormat 1|2, else 4600', () => {
    expect(parseNewFormat({})).toBe(1);
    expect(parseNewFormat({ newformat: '2' })).toBe(2);
    expect(isParamError(parseNewFormat({ newformat: '3' }))).toBe(true);
  });
  it.each<[string | undefined, unknown]>([
    [undefined, 'all'],
    ['All', 'all'],
    ['Leads()', 'all'],
    ['leads(Last Name, Email ,No. of Employees)', ['Last Name', 'Email', 'No. of Employees']],
    ['Contacts(First Name)', ['First Name']],
  ])('selectColumns %j → %j', (text, expected) => {
    expect(parseSelectColumns(text)).toEqual(expected);
  });
  it.each<[Record<string, string>, unknown]>([
    [{}, { sortBy: 'id', sortOrder: 'desc' }],
    [{ sortorderstring: 'ASC' }, { sortBy: 'id', sortOrder: 'asc' }],
    [{ sortcolumnstring: 'Company' }, { sortBy: 'Company', sortOrder: 'asc' }],
    [{ sortcolumnstring: 'Modified Time', sortorderstring: 'desc' }, { sortBy: 'Modified_Time', sortOrder: 'desc' }],
    [{ sortcolumnstring: 'LEADID' }, { sortBy: 'id', sortOrder: 'asc' }],
    [{ sortcolumnstring: 'id' }, { sortBy: 'id', sortOrder: 'asc' }],
    [{ sortcolumnstring: 'Shoe Size' }, { sortBy: 'id', sortOrder: 'desc', ignoredColumn: 'Shoe Size' }],
  ])('sort %j → %j', (params, expected) => {
    expect(parseSort(leads, params)).toEqual(expected);
  });
  it('bad sortOrderString → 4600', () => {
    const s = parseSort(leads, { sortorderstring: 'up' });
    expect(isParamError(s) && s.parameter).toBe('sortOrderString');
  });
  it('lastModifiedTime → If-Modified-Since one second earlier, in the zone', () => {
    expect(ifModifiedSince('2015-05-19 14:20:32', 'America/Los_Angeles')).toEqual({
      header: '2015-05-19T14:20:31-07:00',
      sinceMs: Date.parse('2015-05-19T14:20:31-07:00'),
    });
    const bad = ifModifiedSince('yesterday', 'UTC');
    expect(isParamError(bad) && bad.parameter).toBe('lastModifiedTime');
  });
});

describe('criteria (§6.1, §6.3)', () => {
  it('parses doubled parentheses, AND/OR in any case, empty groups, values with colons', () => {
    expect(parseV1Criteria('((Email:charles.xavier@example.com))')).toEqual({ kind: 'cond', label: 'Email', op: 'equals', value: 'charles.xavier@example.com' });
    expect(parseV1Criteria('(((Last Name:Steve)AND(Company:Zillum))OR(Lead Status:Contacted))')).toEqual({
      kind: 'or',
      parts: [
        { kind: 'and', parts: [{ kind: 'cond', label: 'Last Name', op: 'equals', value: 'Steve' }, { kind: 'cond', label: 'Company', op: 'equals', value: 'Zillum' }] },
        { kind: 'cond', label: 'Lead Status', op: 'equals', value: 'Contacted' },
      ],
    });
    expect(parseV1Criteria('(()OR(Company:Zil*))')).toEqual({ kind: 'cond', label: 'Company', op: 'starts', value: 'Zil' });
    expect(parseV1Criteria('( (Description:at 10:30) and (Company:*corp) )')).toEqual({
      kind: 'and',
      parts: [{ kind: 'cond', label: 'Description', op: 'equals', value: 'at 10:30' }, { kind: 'cond', label: 'Company', op: 'ends', value: 'corp' }],
    });
  });
  it.each(['', '(Email)', '((Email:a)', '(Email:a) junk', '()', `${'('.repeat(40)}Email:a${')'.repeat(40)}`])('%j → criteria error', (text) => {
    expect(isCriteriaError(parseV1Criteria(text))).toBe(true);
  });
  it('more than 10 conditions → criteria error; 10 are served', () => {
    const conds = (n: number) => `(${Array.from({ length: n }, (_, i) => `(Email:a${i})`).join('OR')})`;
    expect(isCriteriaError(parseV1Criteria(conds(10)))).toBe(false);
    expect(isCriteriaError(parseV1Criteria(conds(11)))).toBe(true);
  });
  it('searchCondition (label|op|value)', () => {
    expect(parseSearchCondition('(Last Name|=|Drake)')).toEqual({ kind: 'cond', label: 'Last Name', op: 'equals', value: 'Drake' });
    expect(parseSearchCondition('(Company|contains|*corp*)')).toEqual({ kind: 'cond', label: 'Company', op: 'contains', value: 'corp' });
    expect(isCriteriaError(parseSearchCondition('(Company|>|3)'))).toBe(true);
  });

  const plan = (text: string): SearchPlan => {
    const tree = parseV1Criteria(text);
    if (isCriteriaError(tree)) throw new Error(tree.reason);
    const p = planSearch(leads, tree);
    if (isCriteriaError(p)) throw new Error(p.reason);
    return p;
  };
  it('labels → api names, values escaped; the post-filter is exact (v2 equals is loose)', () => {
    const p = plan('((Company:ABC)AND(Last Name:O\\k,x))');
    expect(p.query).toEqual({ criteria: '((Company:equals:ABC)and(Last_Name:equals:O\\\\k\\,x))' });
    expect(p.filter({ Company: 'ABC', Last_Name: 'O\\k,x' })).toBe(true);
    expect(p.filter({ Company: 'ABC Inc', Last_Name: 'O\\k,x' })).toBe(false);
    expect(p.filter({ Company: 'abc', Last_Name: 'o\\K,X' })).toBe(true);
  });
  it('owner and lookup pseudo-ids compare ids, names compare names', () => {
    expect(plan('(SMOWNERID:42)').filter({ Owner: { id: '42', name: 'A' } })).toBe(true);
    expect(plan('(Lead Owner:Ann Lee)').filter({ Owner: { id: '42', name: 'Ann Lee' } })).toBe(true);
    expect(plan('(LEADID:7)').query).toEqual({ criteria: '(id:equals:7)' });
  });
  it('contains alone → word search; contains beside equals → equals sent, contains post-filtered; OR with contains → scan', () => {
    expect(plan('(Company:*corp*)').query).toEqual({ word: 'corp' });
    const mixed = plan('((Company:*corp*)AND(City:Paris))');
    expect(mixed.query).toEqual({ criteria: '(City:equals:Paris)' });
    expect(mixed.filter({ Company: 'Megacorp Ltd', City: 'Paris' })).toBe(true);
    expect(mixed.filter({ Company: 'Mega Ltd', City: 'Paris' })).toBe(false);
    expect(plan('((Company:*corp)OR(City:Paris))').query).toBeUndefined();
  });
  it('dates and numbers compare as v1 printed them', () => {
    expect(plan('(No of Employees:50)').filter({ No_of_Employees: 50 })).toBe(true);
    expect(plan('(Email Opt Out:true)').filter({ Email_Opt_Out: true })).toBe(true);
  });
  it('unknown label → criteria error (4832)', () => {
    const tree = parseV1Criteria('(Em|ail:a@b.example)');
    expect(isCriteriaError(tree) || isCriteriaError(planSearch(leads, tree))).toBe(true);
  });
});

describe('getSearchRecordsByPDC (§6.5)', () => {
  it('own id → GET by id; email → equals search; foreign id → id match; unknown → 4600', () => {
    expect(planPdc(leads, 'leadid', '123')).toEqual({ kind: 'by-id', id: '123' });
    const email = planPdc(leads, 'email', 'a@b.example');
    expect(!isParamError(email) && email.kind === 'search' && email.search.query).toEqual({ criteria: '(Email:equals:a@b.example)' });
    const contacts = schema.module('Contacts')!;
    const byAccount = planPdc(contacts, 'ACCOUNTID', '42');
    expect(!isParamError(byAccount) && byAccount.kind === 'search' && byAccount.search.filter({ Account_Name: { id: '42', name: 'x' } })).toBe(true);
    const bad = planPdc(leads, 'shoesize', '1');
    expect(isParamError(bad) && bad.parameter).toBe('searchColumn');
  });
});
