/**
 * The contract of a MetadataSource (zoho/metadata.ts), the v2 metadata port the bridge reads modules, fields,
 * users and taxes through: run against every implementation by metadata-source.test.ts.
 */
import { expect, it } from 'vitest';
import type { MetadataSource } from '../../src/zoho/metadata.js';

/** A source serving the bundled snapshot's metadata (live or from files), and how to release it. */
export interface SourceUnderTest {
  source: MetadataSource;
  close?(): Promise<void> | void;
}

export function metadataSourceContract(make: () => Promise<SourceUnderTest>): void {
  const using = (test: (source: MetadataSource) => Promise<void>) => async () => {
    const t = await make();
    try {
      await test(t.source);
    } finally {
      await t.close?.();
    }
  };

  it(
    'modules(): the standard modules, each with its api_name and module_name as strings',
    using(async (source) => {
      const modules = await source.modules();
      for (const m of modules) {
        expect(typeof m.api_name).toBe('string');
        expect(typeof m.module_name).toBe('string');
      }
      const names = modules.map((m) => m.api_name);
      for (const standard of ['Leads', 'Contacts', 'Accounts', 'Deals', 'Quotes', 'Sales_Orders', 'Invoices', 'Products', 'Tasks', 'Notes']) expect(names).toContain(standard);
      expect(new Set(names).size).toBe(names.length);
    }),
  );

  it(
    'fields(module): the fields of each standard module, each with api_name and data_type as strings',
    using(async (source) => {
      for (const module of ['Leads', 'Contacts', 'Accounts', 'Quotes']) {
        const fields = await source.fields(module);
        expect(fields.length).toBeGreaterThan(5);
        for (const f of fields) {
          expect(typeof f.api_name).toBe('string');
          expect(typeof f.data_type).toBe('string');
        }
      }
      expect((await source.fields('Leads')).map((f) => f.api_name)).toEqual(expect.arrayContaining(['Last_Name', 'Email', 'Owner']));
      expect((await source.fields('Quotes')).map((f) => f.api_name)).toContain('Product_Details');
    }),
  );

  it(
    'users() have string ids; currentUser() is one of them, or unknown — never a guess',
    using(async (source) => {
      const users = await source.users();
      expect(users.length).toBeGreaterThan(0);
      for (const u of users) expect(typeof u.id).toBe('string');
      // Unknown (undefined or a rejection) is allowed: a live source whose upstream is down cannot tell which user
      // the token belongs to, and a snapshot's first user would be a wrong owner for getMyRecords.
      const me = await source.currentUser().catch(() => undefined);
      if (me !== undefined) expect(users.map((u) => u.id)).toContain(me.id);
    }),
  );

  it(
    'taxes(): a list (possibly empty) of named taxes with a numeric value',
    using(async (source) => {
      for (const t of await source.taxes()) {
        expect(typeof t.name).toBe('string');
        expect(typeof t.value).toBe('number');
      }
    }),
  );

  it(
    'answers again and in parallel with the same content',
    using(async (source) => {
      const first = await source.fields('Leads');
      const parallel = await Promise.all(Array.from({ length: 8 }, () => source.fields('Leads')));
      for (const answer of parallel) expect(answer).toEqual(first);
      expect(await source.modules()).toEqual(await source.modules());
      expect(await source.users()).toEqual(await source.users());
    }),
  );
}
