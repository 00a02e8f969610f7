/**
 * getRelatedRecords pseudo-children (docs/PROTOCOL-READS.md §11.1; mapping/related-rows.ts): golden bytes of the
 * v1 rows printed from fixed v2 related-list rows, in XML and in JSON, under newFormat 1 and 2.
 */
import { describe, expect, it } from 'vitest';
import { renderReadJson, renderReadXml } from '../../src/legacy/read-response.js';
import { isActivityOf, pseudoChild, pseudoChildRow, PSEUDO_CHILDREN } from '../../src/mapping/related-rows.js';

const DECL = '<?xml version="1.0" encoding="UTF-8" ?>\n';
const uri = (fmt: string, m: string) => `/crm/private/${fmt}/${m}/getRelatedRecords`;
const user = { name: 'Pat Admin', id: '4150868000000225013' };

/** v2 rows as the related lists answer them (v2 key order, $ keys, nulls). */
const V2 = {
  Attachments: {
    Owner: { ...user, email: 'pat@example.com' },
    Modified_By: user,
    Created_Time: '2026-11-30T10:15:30+01:00',
    Parent_Id: { name: 'Lead One', id: '4150868000000300001' },
    $editable: true,
    $file_id: 'f4150868000000400001',
    Modified_Time: '2026-11-30T10:15:30+01:00',
    File_Name: 'spec & terms.pdf',
    $se_module: 'Leads',
    Size: '20480',
    Created_By: user,
    id: '4150868000000400001',
  },
  ContactRoles: { Full_Name: 'Ann Lee', Email: 'ann@example.com', Contact_Role: 'Decision Maker', First_Name: 'Ann', Last_Name: 'Lee', id: '4150868000000500001', Phone: null },
  PotStageHistory: {
    Stage: 'Negotiation/Review',
    Amount: 3432.5,
    Probability: 90,
    Expected_Revenue: 3089.25,
    Closing_Date: '2026-12-21',
    Modified_Time: '2026-11-30T09:00:00Z',
    Modified_By: user,
    id: '4150868000000600001',
  },
};

describe('pseudo-child rows (golden bytes)', () => {
  const cases: [string, string, string][] = [
    [
      'Attachments',
      '<Attachments><row no="1"><FL val="id">4150868000000400001</FL><FL val="File Name"><![CDATA[spec & terms.pdf]]></FL><FL val="Size"><![CDATA[20480]]></FL><FL val="SMOWNERID">4150868000000225013</FL><FL val="Attached By"><![CDATA[Pat Admin]]></FL><FL val="Created Time"><![CDATA[2026-11-30 10:15:30]]></FL><FL val="Modified Time"><![CDATA[2026-11-30 10:15:30]]></FL></row></Attachments>',
      '{"response":{"result":{"Attachments":{"row":{"no":"1","FL":[{"content":"4150868000000400001","val":"id"},{"content":"spec & terms.pdf","val":"File Name"},{"content":"20480","val":"Size"},{"content":"4150868000000225013","val":"SMOWNERID"},{"content":"Pat Admin","val":"Attached By"},{"content":"2026-11-30 10:15:30","val":"Created Time"},{"content":"2026-11-30 10:15:30","val":"Modified Time"}]}}},"uri":"/crm/private/json/Attachments/getRelatedRecords"}}',
    ],
    [
      'ContactRoles',
      '<ContactRoles><row no="1"><FL val="CNTROLEID">4150868000000500001</FL><FL val="CONTACTID">4150868000000500001</FL><FL val="Contact Name"><![CDATA[Ann Lee]]></FL><FL val="Email"><![CDATA[ann@example.com]]></FL><FL val="Contact Role"><![CDATA[Decision Maker]]></FL></row></ContactRoles>',
      '{"response":{"result":{"ContactRoles":{"row":{"no":"1","FL":[{"content":"4150868000000500001","val":"CNTROLEID"},{"content":"4150868000000500001","val":"CONTACTID"},{"content":"Ann Lee","val":"Contact Name"},{"content":"ann@example.com","val":"Email"},{"content":"Decision Maker","val":"Contact Role"}]}}},"uri":"/crm/private/json/ContactRoles/getRelatedRecords"}}',
    ],
    [
      'PotStageHistory',
      '<PotStageHistory><row no="1"><FL val="POTENTIALSTAGEHISTORYID">4150868000000600001</FL><FL val="Stage"><![CDATA[Negotiation/Review]]></FL><FL val="Amount"><![CDATA[3432.5]]></FL><FL val="Probability"><![CDATA[90]]></FL><FL val="Expected Revenue"><![CDATA[3089.25]]></FL><FL val="Closing Date"><![CDATA[2026-12-21]]></FL><FL val="MODIFIEDBY">4150868000000225013</FL><FL val="Modified By"><![CDATA[Pat Admin]]></FL><FL val="Modified Time"><![CDATA[2026-11-30 10:00:00]]></FL></row></PotStageHistory>',
      '{"response":{"result":{"PotStageHistory":{"row":{"no":"1","FL":[{"content":"4150868000000600001","val":"POTENTIALSTAGEHISTORYID"},{"content":"Negotiation/Review","val":"Stage"},{"content":"3432.5","val":"Amount"},{"content":"90","val":"Probability"},{"content":"3089.25","val":"Expected Revenue"},{"content":"2026-12-21","val":"Closing Date"},{"content":"4150868000000225013","val":"MODIFIEDBY"},{"content":"Pat Admin","val":"Modified By"},{"content":"2026-11-30 10:00:00","val":"Modified Time"}]}}},"uri":"/crm/private/json/PotStageHistory/getRelatedRecords"}}',
    ],
  ];
  it.each(cases)('%s in XML and JSON (time zone Europe/Paris)', (name, xmlResult, json) => {
    const child = pseudoChild(name)!;
    const rows = [pseudoChildRow(child, V2[name as keyof typeof V2], { timeZone: 'Europe/Paris' })];
    expect(renderReadXml(uri('xml', name), { kind: 'records', module: name, rows })).toBe(`${DECL}<response uri="${uri('xml', name)}"><result>${xmlResult}</result></response>\n`);
    expect(renderReadJson(uri('json', name), { kind: 'records', module: name, rows })).toBe(`${json}\n`);
  });

  it('newFormat=2 prints empty columns as null; a Contact_Roles row without Full_Name gets First + Last', () => {
    const roles = pseudoChild('contactroles')!;
    const row = pseudoChildRow(roles, { First_Name: 'Bo', Last_Name: 'Chen', id: '7', Email: null, Contact_Role: null }, { newFormat: 2 });
    expect(row.fields).toEqual([
      { label: 'CNTROLEID', value: '7', raw: true },
      { label: 'CONTACTID', value: '7', raw: true },
      { label: 'Contact Name', value: 'Bo Chen' },
      { label: 'Email', value: 'null' },
      { label: 'Contact Role', value: 'null' },
    ]);
    expect(pseudoChildRow(roles, { id: '7' }, { newFormat: 1 }).fields.map((f) => f.label)).toEqual(['CNTROLEID', 'CONTACTID']);
  });

  it('names: every pseudo-child by its v1 name in any case; real modules are none', () => {
    expect([...PSEUDO_CHILDREN.values()].map((c) => [c.name, c.list, c.parents ?? 'any'])).toEqual([
      ['Attachments', 'Attachments', 'any'],
      ['ContactRoles', 'Contact_Roles', ['Deals']],
      ['PotStageHistory', 'Stage_History', ['Deals']],
    ]);
    for (const n of ['Attachments', 'ATTACHMENTS', 'potstagehistory', 'ContactRoles']) expect(pseudoChild(n)).toBeDefined();
    for (const n of ['Notes', 'Tasks', 'Contacts', 'Potentials', 'Contact_Roles', 'Stage_History']) expect(pseudoChild(n)).toBeUndefined();
  });

  it('activity rows are told apart by Activity_Type', () => {
    expect(isActivityOf({ Activity_Type: 'Tasks' }, 'Tasks')).toBe(true);
    expect(isActivityOf({ Activity_Type: 'Events' }, 'Tasks')).toBe(false);
    expect(isActivityOf({}, 'Calls')).toBe(false);
  });
});
