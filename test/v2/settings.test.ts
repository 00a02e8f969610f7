/** The metadata answer readers: a list is read only when every entry is an object with its identifying string. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fieldsOf, layoutsOf, modulesOf, taxesOf, usersOf } from '../../src/v2/settings.js';
import { loadMetadataDir } from '../../src/v2/snapshot.js';

const readers = [
  { name: 'modulesOf', read: modulesOf, key: 'modules', good: { api_name: 'Leads', module_name: 'Leads' }, idKey: 'api_name' },
  { name: 'fieldsOf', read: fieldsOf, key: 'fields', good: { api_name: 'Last_Name', data_type: 'text' }, idKey: 'api_name' },
  { name: 'usersOf', read: usersOf, key: 'users', good: { id: '1386586000000105001', full_name: 'A B' }, idKey: 'id' },
  { name: 'taxesOf', read: taxesOf, key: 'taxes', good: { name: 'Sales Tax', value: 5 }, idKey: 'name' },
  { name: 'layoutsOf', read: layoutsOf, key: 'layouts', good: { id: '1', sections: [] }, idKey: undefined },
] as const;

describe.each(readers)('$name', ({ read, key, good, idKey }) => {
  it('reads a well-formed list (empty included) as it is', () => {
    expect(read({ [key]: [good, good] })).toEqual([good, good]);
    expect(read({ [key]: [] })).toEqual([]);
  });

  it.each([
    ['no body (204)', undefined],
    ['null', null],
    ['text', 'not json'],
    ['an array body', [good]],
    ['a top-level error', { code: 'INVALID_MODULE', status: 'error' }],
    ['the list missing', { info: {} }],
    ['the list not an array', { [key]: { 0: good } }],
    ['an entry that is not an object', { [key]: [good, 'x'] }],
    ['a null entry', { [key]: [good, null] }],
    ['an array entry', { [key]: [good, [good]] }],
  ])('reads %s as undefined', (_what, body) => {
    expect(read(body)).toBeUndefined();
  });

  if (idKey === undefined) return;
  it('reads an entry without its identifying string as undefined', () => {
    const id: string = idKey;
    const { [id]: _dropped, ...without } = good as Record<string, unknown>;
    expect(read({ [key]: [good, without] })).toBeUndefined();
    expect(read({ [key]: [good, { ...without, [id]: 12345 }] })).toBeUndefined(); // ids are strings, never numbers
  });
});

describe('loadMetadataDir', () => {
  const dirWith = (files: Record<string, unknown>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'zbridge-snapshot-'));
    mkdirSync(join(dir, 'fields'));
    for (const [name, doc] of Object.entries(files)) writeFileSync(join(dir, name), JSON.stringify(doc));
    return dir;
  };
  const modules = { modules: [{ api_name: 'Leads', module_name: 'Leads', singular_label: 'Lead', plural_label: 'Leads' }] };
  const fields = { fields: [{ api_name: 'Last_Name', field_label: 'Last Name', data_type: 'text' }] };

  it('reads modules, fields and the optional users and taxes', () => {
    const dir = dirWith({ 'modules.json': modules, 'fields/Leads.json': fields, 'users.json': { users: [{ id: '1', full_name: 'A', email: 'a@x.io' }] } });
    try {
      const s = loadMetadataDir(dir);
      expect(s.modules.map((m) => m.api_name)).toEqual(['Leads']);
      expect(s.fields.Leads.map((f) => f.api_name)).toEqual(['Last_Name']);
      expect(s.users.map((u) => u.id)).toEqual(['1']);
      expect(s.taxes).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['modules.json without an api_name', { 'modules.json': { modules: [{ module_name: 'Leads' }] }, 'fields/Leads.json': fields }, /modules\.json/],
    ['a fields file with a field without api_name', { 'modules.json': modules, 'fields/Leads.json': { fields: [{ field_label: 'x' }] } }, /Leads\.json/],
    ['users.json with a numeric id', { 'modules.json': modules, 'fields/Leads.json': fields, 'users.json': { users: [{ id: 1 }] } }, /users\.json/],
    ['taxes.json whose taxes are not a list', { 'modules.json': modules, 'fields/Leads.json': fields, 'taxes.json': { taxes: {} } }, /taxes\.json/],
  ])('refuses %s, naming the file', (_what, files, file) => {
    const dir = dirWith(files);
    try {
      expect(() => loadMetadataDir(dir)).toThrow(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
