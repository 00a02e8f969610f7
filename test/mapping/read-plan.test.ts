/** Offline read plans (what `zbridge convert` writes for read calls) and the metadata answers of getFields/getModules/getUsers. */
import { describe, expect, it } from 'vitest';
import type { LegacyCall } from '../../src/legacy/types.js';
import { getFieldsAnswer, getModulesAnswer, getUsersAnswer, v1User } from '../../src/mapping/meta-answers.js';
import { planReadCall } from '../../src/mapping/read-plan.js';
import { Schema } from '../../src/mapping/schema.js';
import { bundledSnapshot } from '../../src/v2/snapshot.js';
import { relatedListsOf } from '../../src/v2/related-lists.js';

const schema = Schema.bundled();
const call = (module: string, method: string, params: Record<string, string> = {}): LegacyCall => ({
  format: 'xml',
  module,
  method,
  path: `/crm/private/xml/${module}/${method}`,
  params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k.toLowerCase(), v])),
});

describe('planReadCall: getRelatedRecords and getDeletedRecordIds (issue 18)', () => {
  const snap = bundledSnapshot();
  const relatedLists = (parent: string) => relatedListsOf(parent, snap.modules, snap.fields);
  const ctx = { schema, relatedLists };
  const get = (path: string, page = '1', per = '20') => ({ method: 'GET', path, query: { page, per_page: per } });
  it.each<[string, Record<string, string>, unknown[]]>([
    ['Contacts', { parentModule: 'Accounts', id: '7' }, [get('/crm/v2/Accounts/7/Contacts')]],
    ['Notes', { parentModule: 'Leads', id: '7', fromIndex: '201', toIndex: '210' }, [get('/crm/v2/Leads/7/Notes', '21', '10')]],
    ['Attachments', { parentModule: 'Contacts', id: '7' }, [get('/crm/v2/Contacts/7/Attachments')]],
    ['ContactRoles', { parentModule: 'Potentials', id: '7' }, [get('/crm/v2/Deals/7/Contact_Roles')]],
    ['PotStageHistory', { parentModule: 'Potentials', id: '7' }, [get('/crm/v2/Deals/7/Stage_History')]],
    [
      'Calls',
      { parentModule: 'Leads', id: '7' },
      [
        { ...get('/crm/v2/Leads/7/Activities', '1', '200'), note: 'first page' },
        { ...get('/crm/v2/Leads/7/Activities_History', '1', '200'), note: 'first page' },
      ],
    ],
  ])('getRelatedRecords %s %j', (child, params, requests) => {
    expect(planReadCall(call(child, 'getRelatedRecords', params), ctx).requests).toEqual(requests);
  });
  it.each<[string, Record<string, string>, string]>([
    ['ContactRoles', { parentModule: 'Leads', id: '7' }, 'parentModule'],
    ['Attachments', { parentModule: 'Nope', id: '7' }, 'parentModule'],
    ['Attachments', { parentModule: 'Leads', id: 'x' }, 'id'],
    ['Attachments', { parentModule: 'Leads', id: '7', newFormat: '3' }, 'newFormat'],
    ['Contacts', { parentModule: 'Solutions', id: '7' }, 'parentModule'],
  ])('getRelatedRecords %s %j → 4600 %s', (child, params, parameter) => {
    expect(planReadCall(call(child, 'getRelatedRecords', params), ctx).error?.message).toContain(`"${parameter}" parameter`);
  });
  it('getDeletedRecordIds: type=all, aligned pages, If-Modified-Since', () => {
    expect(planReadCall(call('Leads', 'getDeletedRecordIds', { fromIndex: '1', toIndex: '200', lastModifiedTime: '2024-01-15 10:00:00' }), { schema, timeZone: 'UTC' }).requests).toEqual([
      { method: 'GET', path: '/crm/v2/Leads/deleted', query: { type: 'all', page: '1', per_page: '200' }, headers: { 'If-Modified-Since': '2024-01-15T09:59:59+00:00' } },
    ]);
  });
});

describe('planReadCall', () => {
  it('getRecords: aligned pages, sort, fields for a narrowed selection, If-Modified-Since', () => {
    expect(planReadCall(call('Leads', 'getRecords', { fromIndex: '201', toIndex: '400', sortColumnString: 'Company', selectColumns: 'Leads(Company,Lead Owner)', lastModifiedTime: '2024-01-15 10:00:00' }), { schema, timeZone: 'America/Los_Angeles' })).toEqual({
      requests: [
        {
          method: 'GET',
          path: '/crm/v2/Leads',
          query: { page: '2', per_page: '200', sort_by: 'Company', sort_order: 'asc', fields: 'id,Owner,Company' },
          headers: { 'If-Modified-Since': '2024-01-15T09:59:59-08:00' },
        },
      ],
      notes: [],
    });
    expect(planReadCall(call('Potentials', 'getRecords', { fromIndex: '101', toIndex: '300' }), { schema }).requests.map((r) => r.query?.page)).toEqual(['1', '2']);
  });
  it('getRecordById, idlist, search, PDC, metadata methods', () => {
    expect(planReadCall(call('Leads', 'getRecordById', { id: '42' }), { schema }).requests).toEqual([{ method: 'GET', path: '/crm/v2/Leads/42' }]);
    expect(planReadCall(call('Leads', 'getRecordById', { idlist: '1;2;2;3' }), { schema }).requests[0].query).toEqual({ ids: '1,2,3' });
    expect(planReadCall(call('Leads', 'searchRecords', { criteria: '((Email:a@b.example))' }), { schema }).requests[0]).toMatchObject({
      path: '/crm/v2/Leads/search',
      query: { criteria: '(Email:equals:a@b.example)', page: '1', per_page: '200' },
    });
    expect(planReadCall(call('Contacts', 'getSearchRecordsByPDC', { searchColumn: 'contactid', searchValue: '9' }), { schema }).requests).toEqual([{ method: 'GET', path: '/crm/v2/Contacts/9' }]);
    expect(planReadCall(call('Leads', 'getFields'), { schema }).requests.map((r) => r.path)).toEqual(['/crm/v2/settings/layouts', '/crm/v2/settings/fields']);
    expect(planReadCall(call('Info', 'getModules'), { schema }).requests).toEqual([{ method: 'GET', path: '/crm/v2/settings/modules' }]);
    expect(planReadCall(call('Users', 'getUsers'), { schema }).requests[0].query).toMatchObject({ type: 'AllUsers' });
  });
  it('errors without any request: bad id, bad window, bad criteria, unknown module', () => {
    expect(planReadCall(call('Leads', 'getRecordById', { id: 'x' }), { schema }).error?.message).toContain('"id" parameter');
    expect(planReadCall(call('Leads', 'getRecords', { fromIndex: '9', toIndex: '3' }), { schema }).error?.message).toContain('"toIndex" parameter');
    expect(planReadCall(call('Leads', 'searchRecords', { criteria: '(Em|ail:x)' }), { schema }).error?.code).toBe('4832');
    expect(planReadCall(call('Nope', 'getRecords'), { schema }).error?.code).toBe('4600');
  });
});

describe('metadata answers', () => {
  const snap = bundledSnapshot();
  it('getFields without layouts: one "{Singular} Information" section, v1 labels, types, picklists, fval', () => {
    const leads = schema.module('Leads')!;
    const r = getFieldsAnswer(leads, 'Leads', snap.fields.Leads, undefined);
    if (r.kind !== 'fields') throw new Error(r.kind);
    expect(r.sections.map((s) => s.name)).toEqual(['Lead Information']);
    const byLabel = new Map(r.sections[0].fields.map((f) => [f.label, f]));
    expect(byLabel.get('Lead Owner')).toMatchObject({ type: 'Lookup', dv: 'Lead Owner' });
    expect(byLabel.get('Designation')).toMatchObject({ type: 'Text', dv: 'Title' });
    expect(byLabel.get('Annual Revenue')).toMatchObject({ type: 'Currency', fval: '$0.00' });
    expect(byLabel.get('Email Opt Out')).toMatchObject({ type: 'Boolean', enabled: false });
    expect(byLabel.get('Lead Source')?.values?.[0]).toBe('-None-');
    expect(byLabel.get('Created By')).toMatchObject({ type: 'OwnerLookup' });
    expect(byLabel.has('Full Name')).toBe(false);
    expect(byLabel.has('Tag')).toBe(false);
  });
  it('getModules: sequence order, v1 names (Potentials), gt 1/4, type=api', () => {
    const r = getModulesAnswer(snap.modules, true);
    if (r.kind !== 'modules') throw new Error(r.kind);
    expect(r.modules[0]).toMatchObject({ name: 'Leads', pl: 'Leads', sl: 'Lead', gt: '1' });
    expect(r.modules.map((m) => m.name)).toContain('Potentials');
    expect(r.modules.find((m) => m.name === 'CustomModule1')?.gt).toBe('4');
  });
  it('getUsers: role/profile names, confirm text, null for unset, search by name', () => {
    const u = v1User(snap.users[0]);
    expect(u).toMatchObject({ role: 'CEO', profile: 'Administrator', confirm: 'true', status: 'active', mobile: 'null', timezone: 'America/Los_Angeles' });
    const r = getUsersAnswer(snap.users, { column: 'email', value: snap.users[1].email.toUpperCase() });
    expect(r.kind === 'users' && r.users.map((x) => x.id)).toEqual([snap.users[1].id]);
  });
});
