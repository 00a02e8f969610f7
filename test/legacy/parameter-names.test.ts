/**
 * Breaker finding 6, as a kind: a 4600 names a parameter in its v1 spelling (`"fromIndex"`, never `"fromindex"`),
 * for every parameter of the reads, writes and actions, whatever case the request used and whatever its shape
 * (query, form body, multipart, JSON parameters body); an unknown parameter keeps the client's spelling.
 */
import { describe, expect, it } from 'vitest';
import { legacyErrors } from '../../src/legacy/errors.js';
import { parseLegacyRequest, type RawHttpRequest } from '../../src/legacy/request.js';
import { startTestProxy, TOKEN } from '../proxy/helpers.js';

/** The v1 spellings (PROTOCOL §2/§5, PROTOCOL-READS §2, §5–§13), written out here, not read from the table. */
const V1_NAMES = [
  'authtoken', 'scope', 'xmlData', 'wfTrigger', 'isApproval', 'duplicateCheck', 'newFormat', 'version', 'id', 'larId',
  'selectColumns', 'fromIndex', 'toIndex', 'sortColumnString', 'sortOrderString', 'lastModifiedTime', 'idlist',
  'criteria', 'searchCondition', 'searchColumn', 'searchValue', 'parentModule', 'type', 'relatedModule', 'relatedId',
  'leadId', 'content', 'attachmentUrl', 'recordId', 'parentId', 'ticket', 'apikey',
];

/** Spellings a client may use for the same parameter. */
const SPELLINGS = (name: string): string[] => [name, name.toLowerCase(), name.toUpperCase()];

const PATH = '/crm/private/xml/Leads/getRecords';

/** One request shape carrying `name` = a value with a control character (U+0001). */
const SHAPES: [string, (name: string) => RawHttpRequest][] = [
  ['query', (name) => ({ method: 'GET', url: `${PATH}?${name}=a%01b`, headers: {}, body: Buffer.alloc(0) })],
  ['form body', (name) => ({ method: 'POST', url: PATH, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(`${name}=a%01b`) })],
  [
    'multipart',
    (name) => ({
      method: 'POST',
      url: PATH,
      headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
      body: Buffer.from(`--XyZ\r\nContent-Disposition: form-data; name="${name}"\r\n\r\na\u0001b\r\n--XyZ--\r\n`),
    }),
  ],
  ['JSON parameters body', (name) => ({ method: 'POST', url: PATH, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ [name]: 'a\u0001b' })) })],
];

function messageOf(request: RawHttpRequest): string {
  try {
    parseLegacyRequest(request);
  } catch (error) {
    return (error as Error & { parameter?: string }).parameter ?? '';
  }
  return '(accepted)';
}

describe('a 4600 names the parameter in its v1 spelling (finding 6)', () => {
  for (const [shape, build] of SHAPES) {
    it.each(V1_NAMES)(`${shape}: %s in any case`, (name) => {
      for (const spelled of SPELLINGS(name)) expect(messageOf(build(spelled)), spelled).toBe(name);
    });
  }

  it('an unknown parameter keeps the spelling the client used', () => {
    expect(messageOf(SHAPES[0][1]('myCustomParam'))).toBe('myCustomParam');
  });

  it.each(V1_NAMES)('legacyErrors.badParameter(%s in lower case) spells it as v1', (name) => {
    expect(legacyErrors.badParameter(name.toLowerCase()).message).toBe(
      `Unable to process your request. Please verify if the name and value is appropriate for the "${name}" parameter.`,
    );
  });

  it('through the proxy: read, write and action parameters, XML and JSON', async () => {
    const t = await startTestProxy();
    try {
      for (const [path, name] of [
        ['/crm/private/xml/Leads/getRecords', 'fromIndex'],
        ['/crm/private/json/Leads/getRecords', 'lastModifiedTime'],
        ['/crm/private/xml/Leads/getRecords', 'sortColumnString'],
        ['/crm/private/xml/Leads/insertRecords', 'wfTrigger'],
        ['/crm/private/json/Leads/convertLead', 'leadId'],
        ['/crm/private/xml/Accounts/updateRelatedRecords', 'relatedModule'],
      ]) {
        const text = await (await fetch(`${t.proxy.url}${path}?authtoken=${TOKEN}&scope=crmapi&${name.toLowerCase()}=%01`)).text();
        // XML: "name"; JSON: \"name\" inside the message string.
        expect(text, `${path} ${name}`).toMatch(new RegExp(`appropriate for the \\\\?"${name}\\\\?" parameter`));
      }
    } finally {
      await t.close();
    }
  });
});
