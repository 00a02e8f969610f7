/**
 * What one v2 answer of an action means for replay (journal/writes.ts summariseAction, isRepeatable), and how
 * replay reads action lines of a journal (convert/replay-sources.ts), including lines of older journals.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/convert/replay.js';
import { journalItems, type ReplayActionItem } from '../../src/convert/replay-sources.js';
import { JOURNAL_ACTION_OPERATIONS, type JournalActionOperation } from '../../src/journal/types.js';
import { isRepeatable, summariseAction, type WriteSummary } from '../../src/journal/writes.js';
import type { V2Outcome } from '../../src/v2/types.js';

const res = (status: number, body: unknown): V2Outcome => ({ kind: 'response', status, body });
const ok = (id: string) => ({ code: 'SUCCESS', details: { id }, message: 'done', status: 'success' });
const invalid = (id?: string) => ({ code: 'INVALID_DATA', details: id ? { id } : { api_name: 'id' }, message: 'invalid', status: 'error' });

describe('isRepeatable', () => {
  it.each<[string, boolean]>([
    ['insert', false],
    ['update', true],
    ['upsert', true],
    ['delete', false],
    ['relate', true],
    ['delink', true],
    ['convert', false],
    ['upload-file', false],
    ['upload-photo', false],
    ['delete-file', true],
    ['delete-photo', false],
  ])('%s → %s', (op, expected) => expect(isRepeatable(op)).toBe(expected));

  it('covers every action operation', () => {
    expect([...JOURNAL_ACTION_OPERATIONS].sort()).toEqual(['convert', 'delete', 'delete-file', 'delete-photo', 'delink', 'relate', 'upload-file', 'upload-photo']);
  });
});

describe('summariseAction', () => {
  const cases: [string, JournalActionOperation, V2Outcome, Partial<WriteSummary>][] = [
    ['delete: every id deleted', 'delete', res(200, { data: [ok('1'), ok('2')] }), { status: 'done', ids: ['1', '2'] }],
    ['delete: an id already gone', 'delete', res(207, { data: [ok('1'), invalid('2')] }), { status: 'done', ids: ['1'], absent: ['2'] }],
    ['delete: every id gone (HTTP 400)', 'delete', res(400, { data: [invalid('1')] }), { status: 'done', ids: [], absent: ['1'] }],
    ['delete: no permission', 'delete', res(403, { code: 'NO_PERMISSION', details: {}, message: 'x', status: 'error' }), { status: 'failed' }],
    ['delete: per-id no permission', 'delete', res(400, { data: [{ code: 'NO_PERMISSION', details: { id: '1' }, status: 'error' }] }), { status: 'failed' }],
    ['delete: 500', 'delete', res(500, { code: 'INTERNAL_ERROR' }), { status: 'failed', http: 500 }],
    ['delete: cut off after sending', 'delete', { kind: 'failure', reason: 'upstream-failed', inDoubt: true, message: 'reset' }, { status: 'in-doubt' }],
    ['delete: refused before sending', 'delete', { kind: 'failure', reason: 'rate-limited', inDoubt: false, message: 'local' }, { status: 'failed' }],
    ['relate: both related', 'relate', res(200, { data: [ok('1'), ok('2')] }), { status: 'done', succeeded: [0, 1] }],
    ['relate: one refused', 'relate', res(207, { data: [ok('1'), invalid('2')] }), { status: 'partial', succeeded: [0] }],
    ['delink: removed', 'delink', res(200, { data: [ok('5')] }), { status: 'done', ids: ['5'] }],
    ['delink: relation already absent', 'delink', res(400, { data: [invalid()] }), { status: 'done', absent: ['?'] }],
    ['convert: converted', 'convert', res(200, { data: [{ Contacts: '7', Deals: null, Accounts: '8' }] }), { status: 'done', ids: ['7'] }],
    ['convert: lead unknown or converted', 'convert', res(400, { data: [invalid('3')] }), { status: 'failed', http: 400 }],
    ['upload-file: attached', 'upload-file', res(200, { data: [ok('9')] }), { status: 'done', ids: ['9'] }],
    ['upload-file: refused', 'upload-file', res(400, { code: 'FILE_SIZE_MORE_THAN_ALLOWED_SIZE', status: 'error' }), { status: 'failed' }],
    ['upload-photo: uploaded', 'upload-photo', res(200, { code: 'SUCCESS', details: {}, status: 'success' }), { status: 'done' }],
    ['delete-file: deleted', 'delete-file', res(200, { data: [ok('9')] }), { status: 'done', ids: ['9'] }],
    ['delete-file: already gone', 'delete-file', res(400, { code: 'INVALID_DATA', details: { api_name: 'id' }, status: 'error' }), { status: 'done', absent: ['?'] }],
    ['delete-photo: deleted', 'delete-photo', res(200, { code: 'SUCCESS', details: {}, status: 'success' }), { status: 'done' }],
    ['delete-photo: no photo', 'delete-photo', res(400, { code: 'INVALID_DATA', details: { api_name: 'photo' }, status: 'error' }), { status: 'done', absent: ['?'] }],
    ['any: 401', 'delete-photo', res(401, { code: 'INVALID_TOKEN' }), { status: 'failed' }],
  ];
  it.each(cases)('%s', (_name, op, outcome, expected) => {
    const records = op === 'relate' ? 2 : 1;
    expect(summariseAction(op, outcome, records)).toMatchObject(expected);
  });
});

describe('journal action lines as replay reads them', () => {
  const base = { ts: '2026-11-30T12:00:00.000Z', client: {}, format: 'xml', path: '/crm/private/xml/Leads/x', params: {} };
  const request = (id: string, method: string, operation: string, path: string, body: unknown, extra: Record<string, unknown> = {}) => ({
    ...base,
    id,
    type: 'request',
    module: 'Leads',
    method,
    plan: { operation, module: 'Leads', requests: [{ method: path.startsWith('POST ') ? 'POST' : 'DELETE', path: path.replace(/^POST /, ''), records: 0 }], bodies: [body] },
    ...extra,
  });
  const outcome = (id: string, extra: Record<string, unknown>) => ({ ...base, id, type: 'outcome', module: 'Leads', method: 'x', durationMs: 1, upstream: true, v2Calls: [], rows: [], legacy: { kind: 'success' }, ...extra });

  it('older outcomes (no writes), uploads, link uploads and hashed values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zb-action-lines-'));
    const lines = [
      request('old-done', 'deleteRecords', 'delete', '/crm/v2/Leads?ids=1&wf_trigger=false', null),
      outcome('old-done', { legacy: { kind: 'deleted' } }),
      request('old-doubt', 'deleteRecords', 'delete', '/crm/v2/Leads?ids=2&wf_trigger=false', null),
      outcome('old-doubt', { legacy: { kind: 'error', code: '4000' }, inDoubt: true }),
      request('file', 'uploadFile', 'upload-file', 'POST /crm/v2/Leads/1/Attachments', null, { plan: undefined }),
      request('link', 'uploadFile', 'upload-file', 'POST /crm/v2/Leads/1/Attachments', { attachmentUrl: 'https://x.example/a.pdf' }),
      request('hashed-delete', 'deleteRecords', 'delete', '/crm/v2/Leads?ids=3&wf_trigger=false', null, { values: 'hashed' }),
      request('hashed-link', 'uploadFile', 'upload-file', 'POST /crm/v2/Leads/1/Attachments', { attachmentUrl: 'h:abc' }, { values: 'hashed' }),
    ];
    // The plain file upload: its plan as the proxy writes it (no body, the file's name/type/size).
    (lines[4] as Record<string, unknown>).plan = {
      operation: 'upload-file',
      module: 'Leads',
      requests: [{ method: 'POST', path: '/crm/v2/Leads/1/Attachments', records: 0 }],
      bodies: [null],
      files: [{ fileName: 'a.txt', contentType: 'text/plain', size: 4 }],
    };
    writeFileSync(join(dir, 'journal-1.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    const items: ReplayActionItem[] = [];
    for await (const item of journalItems(dir, (m) => expect.fail(m))) items.push(item as ReplayActionItem);
    const byKey = Object.fromEntries(items.map((i) => [i.key.replace(/^journal:/, '').replace(/#0$/, ''), i]));
    const decisions = Object.fromEntries(Object.entries(byKey).map(([k, i]) => [k, decide(i, undefined, false).action]));
    expect(decisions).toEqual({
      'old-done': 'done',
      'old-doubt': 'held',
      file: 'unsendable',
      link: 'held',
      'hashed-delete': 'held',
      'hashed-link': 'unsendable',
    });
    expect(decide(byKey['hashed-delete'], undefined, true).action).toBe('send');
    expect(decide(byKey.link, undefined, true).action).toBe('send');
    expect(byKey.file.journal.unsendable).toBe("uploadFile: the file's bytes are not journaled (send it again through the proxy)");
  });
});
