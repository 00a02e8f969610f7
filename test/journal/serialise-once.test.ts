import { describe, expect, it } from 'vitest';
import { serialiseEntry } from '../../src/journal/file-journal.js';
import type { JournalRequestEntry } from '../../src/journal/types.js';
import { bodyJson, DecimalLiteral, stringifyV2 } from '../../src/v2/json.js';

const entry = (bodies: unknown[]): JournalRequestEntry => ({
  type: 'request',
  id: 'req-1',
  ts: '2026-11-30T12:00:00.000Z',
  client: { tokenFingerprint: 'fp:000000000000' },
  format: 'xml',
  module: 'Leads',
  method: 'insertRecords',
  path: '/crm/private/xml/Leads/insertRecords',
  params: { scope: 'crmapi' },
  xmlData: '<Leads><row no="1"><FL val="Last Name">Ünïcode "quoted" \\ ]]></FL></row></Leads>',
  plan: { operation: 'insert', module: 'Leads', requests: bodies.map(() => ({ method: 'POST', path: '/crm/v2/Leads', records: 1 })), bodies },
  warnings: [{ kind: 'unknown-label', row: '1', label: 'Bodies', message: 'a label named like the slot' }],
  trace: [{ no: '*', fields: [{ label: 'Last Name', apiName: 'Last_Name', outcome: 'mapped', count: 1 }] }],
});

describe('journal request lines: v2 bodies serialised once', () => {
  const cases: [string, unknown[]][] = [
    ['exact decimals', [{ data: [{ Last_Name: 'A', Annual_Revenue: new DecimalLiteral('12345678901234567.123456789') }], trigger: [] }]],
    ['two bodies', [{ data: [{ Last_Name: 'A' }], trigger: ['workflow'] }, { data: [{ Last_Name: 'B', Amount: new DecimalLiteral('-0.10') }], trigger: [] }]],
    ['strings that look like JSON or markers', [{ data: [{ Description: '"]}\u0000bodies{"', Last_Name: '[1,2]' }], trigger: [] }]],
    ['no bodies', []],
  ];

  it.each(cases)('%s: the line is byte for byte stringifyV2(entry)', (_name, bodies) => {
    const e = entry(bodies);
    expect(serialiseEntry(e)).toBe(stringifyV2(e));
    expect(JSON.parse(serialiseEntry(e)).plan.bodies).toEqual(JSON.parse(stringifyV2(bodies)));
  });

  it('the HTTP request and the journal line share one serialisation of a body', () => {
    const body = { data: [{ Last_Name: 'Before' }], trigger: [] as string[] };
    const sent = bodyJson(body); // what the client sends
    body.data[0].Last_Name = 'After'; // a later mutation is not re-serialised: the text was computed once
    expect(bodyJson(body)).toBe(sent);
    expect(JSON.parse(serialiseEntry(entry([body]))).plan.bodies[0].data[0].Last_Name).toBe('Before');
  });

  it('outcome lines are plain JSON', () => {
    const outcome = { ...entry([]), type: 'outcome' } as unknown as Parameters<typeof serialiseEntry>[0];
    expect(serialiseEntry(outcome)).toBe(JSON.stringify(outcome));
  });
});
