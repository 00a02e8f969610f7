import { describe, expect, it } from 'vitest';
import { ACTION_MESSAGES, renderActionBody } from '../../src/legacy/action-response.js';

const DECL = '<?xml version="1.0" encoding="UTF-8" ?>\n';

describe('action answers, byte for byte (docs/PROTOCOL-READS.md §7, §11–§13)', () => {
  it('deleteRecords: code before message in XML, message first in JSON [obs T]', () => {
    expect(renderActionBody('xml', '/crm/private/xml/Leads/deleteRecords', { kind: 'deleted', ids: '1418626000000184468' })).toBe(
      `${DECL}<response uri="/crm/private/xml/Leads/deleteRecords"><result><code>5000</code><message>Record Id(s) : 1418626000000184468,Record(s) deleted successfully</message></result></response>\n`,
    );
    expect(renderActionBody('json', '/crm/private/json/Leads/deleteRecords', { kind: 'deleted', ids: '1418626000000184468' })).toBe(
      '{"response":{"result":{"message":"Record Id(s) : 1418626000000184468,Record(s) deleted successfully","code":"5000"},"uri":"/crm/private/json/Leads/deleteRecords"}}\n',
    );
    expect(renderActionBody('xml', '/x', { kind: 'deleted', ids: '1;2' })).toContain('Record Id(s) : 1;2,Record(s) deleted successfully');
  });

  it('getDeletedRecordIds: one DeletedIDs joined with commas', () => {
    const ids = ['1386586000001988002', '1386586000002025064', '1386586000002025059'];
    expect(renderActionBody('xml', '/crm/private/xml/Leads/getDeletedRecordIds', { kind: 'deleted-ids', ids })).toBe(
      `${DECL}<response uri="/crm/private/xml/Leads/getDeletedRecordIds"><result><DeletedIDs>1386586000001988002,1386586000002025064,1386586000002025059</DeletedIDs></result></response>\n`,
    );
    expect(renderActionBody('json', '/crm/private/json/Leads/getDeletedRecordIds', { kind: 'deleted-ids', ids: ids.slice(0, 2) })).toBe(
      '{"response":{"result":{"DeletedIDs":"1386586000001988002,1386586000002025064"},"uri":"/crm/private/json/Leads/getDeletedRecordIds"}}\n',
    );
  });

  it('convertLead: no response wrapper; XML Contact, Potential, Account; JSON Contact, Account [obs T, PY, CP]', () => {
    expect(
      renderActionBody('xml', '/crm/private/xml/Leads/convertLead', {
        kind: 'converted',
        contactId: '1144270000007264003',
        potentialId: '1144270000007264005',
        accountId: '1144270000007264001',
      }),
    ).toBe(
      `${DECL}<success><Contact param="id">1144270000007264003</Contact><Potential param="id">1144270000007264005</Potential><Account param="id">1144270000007264001</Account></success>\n`,
    );
    expect(
      renderActionBody('json', '/crm/private/json/Leads/convertLead', { kind: 'converted', contactId: '1418626000000185003', accountId: '1418626000000185001' }),
    ).toBe('{"success":{"Contact":{"content":"1418626000000185003","param":"id"},"Account":{"content":"1418626000000185001","param":"id"}}}\n');
  });

  it('updateRelatedRecords: status 200, success 4800, added and updated ids as unquoted JSON-array text', () => {
    expect(
      renderActionBody('xml', '/crm/private/xml/Campaigns/updateRelatedRecords', { kind: 'related-updated', addedIds: ['1418626000000184477'], updatedIds: [] }),
    ).toBe(
      `${DECL}<response uri="/crm/private/xml/Campaigns/updateRelatedRecords"><result><status><code>200</code></status><success><code>4800</code></success><added-ids>[1418626000000184477]</added-ids></result></response>\n`,
    );
    const json = renderActionBody('json', '/crm/private/json/Campaigns/updateRelatedRecords', { kind: 'related-updated', addedIds: ['1'], updatedIds: ['2', '3'] });
    expect(json).toBe(
      '{"response":{"result":{"status":{"code":"200"},"added-ids":"[1]","success":{"code":"4800"},"updated-ids":"[2,3]"},"uri":"/crm/private/json/Campaigns/updateRelatedRecords"}}\n',
    );
  });

  it('deleteFile / photo answers: success 4800 inside response', () => {
    expect(renderActionBody('xml', '/crm/private/xml/Leads/deleteFile', { kind: 'action-success', message: ACTION_MESSAGES.fileDeleted })).toBe(
      `${DECL}<response uri="/crm/private/xml/Leads/deleteFile"><success><code>4800</code><message>Attachment deleted successfully.</message></success></response>\n`,
    );
    expect(renderActionBody('json', '/crm/private/json/Leads/uploadPhoto', { kind: 'action-success', message: ACTION_MESSAGES.photoUploaded })).toBe(
      '{"response":{"success":{"message":"Photo uploaded succuessfully","code":"4800"},"uri":"/crm/private/json/Leads/uploadPhoto"}}\n',
    );
  });

  it('uploadFile: message + recorddetail with the 5 FL, user names in CDATA', () => {
    const details = { id: '1', createdTime: '2026-05-04 10:00:00', modifiedTime: '2026-05-04 10:00:00', createdBy: 'A & B', modifiedBy: 'A & B' };
    expect(renderActionBody('xml', '/crm/private/xml/Leads/uploadFile', { kind: 'file-attached', message: ACTION_MESSAGES.fileAttached, details })).toBe(
      `${DECL}<response uri="/crm/private/xml/Leads/uploadFile"><result><message>File has been attached successfully</message><recorddetail><FL val="Id">1</FL><FL val="Created Time">2026-05-04 10:00:00</FL><FL val="Modified Time">2026-05-04 10:00:00</FL><FL val="Created By"><![CDATA[A & B]]></FL><FL val="Modified By"><![CDATA[A & B]]></FL></recorddetail></result></response>\n`,
    );
  });
});
