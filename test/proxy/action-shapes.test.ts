/**
 * Issue 18, every request shape for every record action (and the two related reads), through the proxy to the
 * sandbox over sockets: GET with a query, POST with the query and an empty body, form POST, multipart, a raw body
 * without Content-Type (PHP CURLOPT_POSTFIELDS) and a JSON parameters body. Then every boolean / enumerated
 * parameter and convertLead option: a value v1 refused answers 4600 naming it, with nothing sent upstream.
 */
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedRecord, startTestProxy, TOKEN, type TestProxy } from './helpers.js';

let t: TestProxy;
beforeAll(async () => {
  t = await startTestProxy();
});
afterAll(async () => {
  await t?.close();
});

type Shape = 'get-query' | 'post-query' | 'form' | 'multipart' | 'raw' | 'json' | 'xml-body';
const SHAPES: Shape[] = ['get-query', 'post-query', 'form', 'multipart', 'raw', 'json'];
/** The methods that take xmlData also take it as an XML body with the other parameters in the query (Guzzle). */
const XML_BODY_METHODS = new Set(['updateRelatedRecords', 'convertLead']);

interface FilePart {
  bytes: Buffer;
  name: string;
  type: string;
}

/** One v1 call in the given shape; the file part (uploads) only where the shape can carry one (multipart). */
function send(shape: Shape, module: string, method: string, params: Record<string, string>, file?: FilePart): Promise<Response> {
  const all = { authtoken: TOKEN, scope: 'crmapi', ...params };
  const path = `/crm/private/xml/${module}/${method}`;
  const binary = (req: ReturnType<TestProxy['http']['get']>) =>
    req.buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
  switch (shape) {
    case 'get-query':
      return binary(t.http.get(path).query(all));
    case 'post-query':
      return binary(t.http.post(`${path}?${new URLSearchParams(all)}`).set('Content-Length', '0'));
    case 'form':
      return binary(t.http.post(path).type('form').send(new URLSearchParams(all).toString()));
    case 'multipart': {
      let req = t.http.post(path);
      for (const [k, v] of Object.entries(all)) req = req.field(k, v);
      if (file) req = req.attach('content', file.bytes, { filename: file.name, contentType: file.type });
      return binary(req);
    }
    case 'raw':
      return binary(t.http.post(path).set('Content-Type', '').send(Buffer.from(new URLSearchParams(all).toString())));
    case 'xml-body': {
      const { xmlData, ...rest } = all as Record<string, string>;
      return binary(t.http.post(`${path}?${new URLSearchParams(rest)}`).set('Content-Type', 'application/xml').send(xmlData));
    }
    case 'json':
      // A string: superagent would serialise a Buffer itself under a JSON type.
      return binary(t.http.post(path).set('Content-Type', 'application/json').send(JSON.stringify(all)));
  }
}

const text = (res: Response): string => (Buffer.isBuffer(res.body) ? res.body.toString('utf8') : res.text);
const store = () => t.sandbox.state.store;
const newId = () => store().next().id;
const seed = (module: string, values: Record<string, unknown>): string => {
  const id = newId();
  seedRecord(t.sandbox, module, id, values);
  return id;
};
const attach = (module: string, parentId: string, bytes: string): string => {
  const id = newId();
  store().attachments.set(id, { id, module, parentId, fileName: 'f.txt', contentType: 'text/plain', bytes: Buffer.from(bytes), createdAt: t.sandbox.state.now(), createdBy: t.sandbox.state.metadata.users[0].id });
  return id;
};
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(64, 3)]);

interface ActionCase {
  method: string;
  /** Sets up the records, returns the call and a check of its answer and effect. */
  run(shape: Shape): Promise<void>;
}

const CASES: ActionCase[] = [
  {
    method: 'deleteRecords',
    async run(shape) {
      const id = seed('Leads', { Last_Name: `del ${shape}`, Company: 'S' });
      expect(text(await send(shape, 'Leads', 'deleteRecords', { id }))).toContain(`<code>5000</code><message>Record Id(s) : ${id},Record(s) deleted successfully`);
      expect(store().get('Leads', id)).toBeUndefined();
    },
  },
  {
    method: 'getDeletedRecordIds',
    async run(shape) {
      const id = seed('Solutions', { Solution_Title: `gone ${shape}` });
      store().remove('Solutions', id, t.sandbox.state.metadata.users[0].id, t.sandbox.state.now());
      expect(text(await send(shape, 'Solutions', 'getDeletedRecordIds', {}))).toMatch(new RegExp(`<DeletedIDs>[\\d,]*${id}`));
    },
  },
  {
    method: 'getRelatedRecords',
    async run(shape) {
      const account = seed('Accounts', { Account_Name: `acc ${shape}` });
      const contact = seed('Contacts', { Last_Name: `child ${shape}`, Account_Name: { name: `acc ${shape}`, id: account } });
      expect(text(await send(shape, 'Contacts', 'getRelatedRecords', { parentModule: 'Accounts', id: account }))).toContain(`<FL val="CONTACTID">${contact}</FL>`);
    },
  },
  {
    method: 'updateRelatedRecords',
    async run(shape) {
      const campaign = seed('Campaigns', { Campaign_Name: `camp ${shape}` });
      const lead = seed('Leads', { Last_Name: `member ${shape}`, Company: 'S' });
      const xmlData = `<Leads><row no="1"><FL val="LEADID">${lead}</FL><FL val="member_status">Sent &amp; seen</FL></row></Leads>`;
      expect(text(await send(shape, 'Campaigns', 'updateRelatedRecords', { id: campaign, relatedModule: 'Leads', xmlData }))).toContain(`<added-ids>[${lead}]</added-ids>`);
      expect(store().relationsOf('Campaigns', campaign, 'Leads', 'Leads').map((r) => r.fields.Member_Status)).toEqual(['Sent & seen']);
    },
  },
  {
    method: 'delink',
    async run(shape) {
      const campaign = seed('Campaigns', { Campaign_Name: `camp2 ${shape}` });
      const lead = seed('Leads', { Last_Name: `ex ${shape}`, Company: 'S' });
      store().relate({ parentModule: 'Campaigns', parentId: campaign, list: 'Leads', childModule: 'Leads', childId: lead, fields: {} });
      expect(text(await send(shape, 'Campaigns', 'delink', { id: campaign, relatedModule: 'Leads', relatedId: lead }))).toContain('<success><code>4800</code>');
      expect(store().relationsOf('Campaigns', campaign, 'Leads', 'Leads')).toEqual([]);
    },
  },
  {
    method: 'convertLead',
    async run(shape) {
      const lead = seed('Leads', { Last_Name: `conv ${shape}`, Company: `Co ${shape}` });
      const xmlData = '<Potentials><row no="1"><option val="createPotential">false</option><option val="notifyLeadOwner">false</option></row></Potentials>';
      expect(text(await send(shape, 'Leads', 'convertLead', { leadId: lead, xmlData }))).toMatch(/^<\?xml version="1.0" encoding="UTF-8" \?>\n<success><Contact param="id">\d+<\/Contact><Account param="id">\d+<\/Account><\/success>\n$/);
      expect(store().get('Leads', lead)).toBeUndefined();
    },
  },
  {
    method: 'uploadFile',
    async run(shape) {
      const lead = seed('Leads', { Last_Name: `up ${shape}`, Company: 'S' });
      // A file part where the shape carries one, else a link (attachmentUrl), as v1 accepted both.
      const res =
        shape === 'multipart'
          ? await send(shape, 'Leads', 'uploadFile', { id: lead }, { bytes: Buffer.from('hello'), name: 'h.txt', type: 'text/plain' })
          : await send(shape, 'Leads', 'uploadFile', { id: lead, attachmentUrl: `https://files.example.com/${shape}.pdf?a=1&b=2` });
      expect(text(res)).toContain('<message>File has been attached successfully</message><recorddetail><FL val="Id">');
      const files = [...store().attachments.values()].filter((f) => f.parentId === lead);
      expect(files.map((f) => (shape === 'multipart' ? f.bytes.toString() : f.fileName))).toEqual([shape === 'multipart' ? 'hello' : `${shape}.pdf`]);
    },
  },
  {
    method: 'downloadFile',
    async run(shape) {
      const lead = seed('Leads', { Last_Name: `down ${shape}`, Company: 'S' });
      const file = attach('Leads', lead, `bytes of ${shape}`);
      const res = await send(shape, 'Leads', 'downloadFile', { id: file, parentId: lead });
      expect(res.headers['content-type']).toBe('text/plain');
      expect(text(res)).toBe(`bytes of ${shape}`);
    },
  },
  {
    method: 'deleteFile',
    async run(shape) {
      const lead = seed('Leads', { Last_Name: `delf ${shape}`, Company: 'S' });
      const file = attach('Leads', lead, 'x');
      expect(text(await send(shape, 'Leads', 'deleteFile', { id: file, parentId: lead }))).toContain('<message>Attachment deleted successfully.</message>');
      expect(store().attachments.has(file)).toBe(false);
    },
  },
  {
    method: 'uploadPhoto',
    async run(shape) {
      const contact = seed('Contacts', { Last_Name: `face ${shape}` });
      const res = await send(shape, 'Contacts', 'uploadPhoto', { id: contact }, { bytes: PNG, name: 'me.png', type: 'image/png' });
      if (shape === 'multipart') {
        expect(text(res)).toContain('<message>Photo uploaded succuessfully</message>');
        expect(store().photos.get(contact)?.bytes.equals(PNG)).toBe(true);
      } else {
        // Only multipart carries a file part; uploadPhoto has no link form: 4600 naming `content`, nothing sent.
        expect(text(res)).toContain('appropriate for the "content" parameter');
        expect(store().photos.has(contact)).toBe(false);
      }
    },
  },
  {
    method: 'downloadPhoto',
    async run(shape) {
      const contact = seed('Contacts', { Last_Name: `see ${shape}` });
      store().photos.set(contact, { id: contact, module: 'Contacts', parentId: contact, fileName: 'p.png', contentType: 'image/png', bytes: PNG, createdAt: 0, createdBy: t.sandbox.state.metadata.users[0].id });
      const res = await send(shape, 'Contacts', 'downloadPhoto', { id: contact });
      expect(res.headers['content-type']).toBe('image/png');
      expect(Buffer.compare(res.body as Buffer, PNG)).toBe(0);
    },
  },
  {
    method: 'deletePhoto',
    async run(shape) {
      const contact = seed('Contacts', { Last_Name: `unsee ${shape}` });
      store().photos.set(contact, { id: contact, module: 'Contacts', parentId: contact, fileName: 'p.png', contentType: 'image/png', bytes: PNG, createdAt: 0, createdBy: t.sandbox.state.metadata.users[0].id });
      expect(text(await send(shape, 'Contacts', 'deletePhoto', { id: contact }))).toContain('<success><code>4800</code>');
      expect(store().photos.has(contact)).toBe(false);
    },
  },
];

describe('every action method in every request shape', () => {
  const table = CASES.flatMap((c) => [...SHAPES, ...(XML_BODY_METHODS.has(c.method) ? (['xml-body'] as Shape[]) : [])].map((shape) => ({ method: c.method, shape, run: c.run })));
  it.each(table)('$method as $shape', async ({ shape, run }) => {
    await run(shape);
  });
});

/** v2 calls the sandbox has answered for a route key (`POST /crm/v2/:module/:id/actions/convert`). */
const served = (route: string): number => t.sandbox.state.stats().requests[route] ?? 0;
const CONVERT = 'POST /crm/v2/:module/:id/actions/convert';
const refused = (name: string) => `<error><code>4600</code><message>Unable to process your request. Please verify if the name and value is appropriate for the "${name}" parameter.</message></error>`;

const options = (o: Record<string, string>, row2 = '') =>
  `<Potentials><row no="1">${Object.entries(o).map(([k, v]) => `<option val="${k}">${v}</option>`).join('')}</row>${row2}</Potentials>`;

describe('boolean and enumerated parameters of the actions: refused values → 4600 naming them, nothing sent', () => {
  const BAD_BOOLEANS = ['1', '0', 'yes', 'no', 'on', 'tru', 'true1', '"true"', 'Y'];
  const table: { name: string; value: string; params: (lead: string) => Record<string, string> }[] = [
    ...['createPotential', 'notifyLeadOwner', 'notifyNewEntityOwner'].flatMap((name) =>
      BAD_BOOLEANS.map((value) => ({ name, value, params: (lead: string) => ({ leadId: lead, xmlData: options({ [name]: value }) }) })),
    ),
    ...BAD_BOOLEANS.map((value) => ({
      name: 'OVERWRITE',
      value,
      params: (lead: string) => ({ leadId: lead, xmlData: options({ createPotential: 'true' }, `<row no="2"><FL val="OVERWRITE">${value}</FL><FL val="Potential Name">P</FL></row>`) }),
    })),
    ...['yes', 'John Doe', '12ab', 'a@', '@b'].map((value) => ({ name: 'assignTo', value, params: (lead: string) => ({ leadId: lead, xmlData: options({ assignTo: value }) }) })),
    ...['0', '3', 'true', '1.0', 'two'].map((value) => ({ name: 'newFormat', value, params: (lead: string) => ({ leadId: lead, xmlData: options({ createPotential: 'false' }), newFormat: value }) })),
    ...['0', '3', '5', '4.0', 'v4', 'true'].map((value) => ({ name: 'version', value, params: (lead: string) => ({ leadId: lead, xmlData: options({ createPotential: 'false' }), version: value }) })),
  ];
  it.each(table)('convertLead $name=$value', async ({ name, params }) => {
    const lead = seed('Leads', { Last_Name: 'opt', Company: 'O' });
    const before = served(CONVERT);
    const res = text(await send('form', 'Leads', 'convertLead', params(lead)));
    expect(res).toContain(refused(name));
    expect(served(CONVERT)).toBe(before);
    expect(store().get('Leads', lead)).toBeDefined();
    expect(t.outcomes().at(-1)).toMatchObject({ category: 'bad-request', upstream: false, legacy: { code: '4600' } });
    expect(t.outcomes().at(-1)?.error).toContain(name);
  });

  it.each(['TRUE', 'False', ' true ', ''])('convertLead accepts %j for every boolean option (empty = absent)', async (value) => {
    const lead = seed('Leads', { Last_Name: 'ok', Company: `OK ${value}` });
    const xmlData = options({ createPotential: value, notifyLeadOwner: value, notifyNewEntityOwner: value }, `<row no="2"><FL val="OVERWRITE">${value}</FL><FL val="Potential Name">Deal ${value}</FL><FL val="Closing Date">12/21/2026</FL><FL val="Potential Stage">Qualification</FL></row>`);
    const res = text(await send('form', 'Leads', 'convertLead', { leadId: lead, xmlData, newFormat: '2', version: '2' }));
    expect(res).toContain('<success><Contact param="id">');
    expect(res.includes('<Potential param="id">')).toBe(value.trim().toLowerCase() === 'true');
  });

  it('assignTo by user id or e-mail sets the new owner', async () => {
    const user = t.sandbox.state.metadata.users[0];
    for (const assignTo of [user.id, user.email.toUpperCase()]) {
      const lead = seed('Leads', { Last_Name: 'assign', Company: `Assign ${assignTo}` });
      const res = text(await send('form', 'Leads', 'convertLead', { leadId: lead, xmlData: options({ createPotential: 'false', assignTo }) }));
      const contactId = /<Contact param="id">(\d+)</.exec(res)![1];
      expect(store().get('Contacts', contactId)?.ownerId).toBe(user.id);
    }
  });

  it('getRelatedRecords newFormat is checked by the read side the same way', async () => {
    const account = seed('Accounts', { Account_Name: 'nf' });
    expect(text(await send('get-query', 'Contacts', 'getRelatedRecords', { parentModule: 'Accounts', id: account, newFormat: '3' }))).toContain(refused('newFormat'));
    expect(text(await send('get-query', 'Attachments', 'getRelatedRecords', { parentModule: 'Accounts', id: account, newFormat: 'x' }))).toContain(refused('newFormat'));
  });

  it('actions without documented options ignore unknown parameters, as v1 did (deleteRecords with newFormat=3 deletes)', async () => {
    const id = seed('Leads', { Last_Name: 'ignored', Company: 'I' });
    expect(text(await send('get-query', 'Leads', 'deleteRecords', { id, newFormat: '3', wfTrigger: 'maybe' }))).toContain('<code>5000</code>');
    expect(store().get('Leads', id)).toBeUndefined();
  });
});
