import { describe, expect, it } from 'vitest';
import { legacyErrors } from '../../src/legacy/errors.js';
import { renderLegacyXml } from '../../src/legacy/response.js';
import { planCall } from '../../src/mapping/plan.js';
import { createdIds, credentialRefusal, legacyErrorFor, recordDetailsFromV2, toLegacyResult } from '../../src/mapping/results.js';
import type { V2Outcome } from '../../src/mapping/types.js';
import { call, ctx, parsed, row, schema } from './helpers.js';
import type { FailureReason } from '../../src/errors.js';

const details = (id: string, created = '2015-04-15T14:39:49+00:00', modified = created) => ({
  Modified_Time: modified,
  Modified_By: { name: 'Dexter Heng', id: '1' },
  Created_Time: created,
  id,
  Created_By: { name: 'Dexter Heng', id: '1' },
});
const ok = (id: string, message = 'record added', extra: Record<string, unknown> = {}) => ({ code: 'SUCCESS', ...extra, details: details(id), message, status: 'success' });
const response = (status: number, body: unknown): V2Outcome => ({ kind: 'response', status, body });
const lead = (no: string, ...extra: [string, string][]) => row(no, ['Last Name', 'Heng'], ['Email', 'd@x.com'], ...extra);
const PST = 'PST8PDT';

describe('recordDetailsFromV2', () => {
  it('formats times in the user zone and reads the names', () => {
    expect(recordDetailsFromV2(details('1465372000000086057', '2015-04-23T14:45:21+00:00'), PST)).toEqual({
      id: '1465372000000086057',
      createdTime: '2015-04-23 07:45:21',
      modifiedTime: '2015-04-23 07:45:21',
      createdBy: 'Dexter Heng',
      modifiedBy: 'Dexter Heng',
    });
  });

  it('accepts the 2017 lower-case keys and keeps the v2 wall clock without a zone', () => {
    const lower = { id: '5', created_time: '2017-12-20T14:08:56+05:30', modified_time: '2017-12-20T14:08:57+05:30', created_by: { name: 'N', id: '1' }, modified_by: { name: 'M', id: '1' } };
    expect(recordDetailsFromV2(lower)).toEqual({ id: '5', createdTime: '2017-12-20 14:08:56', modifiedTime: '2017-12-20 14:08:57', createdBy: 'N', modifiedBy: 'M' });
    expect(recordDetailsFromV2(lower, 'America/Toronto').createdTime).toBe('2017-12-20 03:38:56');
  });

  it('tolerates garbage', () => {
    expect(recordDetailsFromV2(null)).toEqual({ id: '', createdTime: '', modifiedTime: '', createdBy: '', modifiedBy: '' });
  });
});

describe('toLegacyResult: successes', () => {
  it('default insert → added + 5 FL (exact v1 bytes)', () => {
    const plan = planCall(call('Leads', 'insertRecords'), parsed(lead('1')), ctx());
    const result = toLegacyResult(plan, [response(201, { data: [ok('1465372000000086057')] })], { timeZone: 'UTC' });
    expect(renderLegacyXml('/crm/private/xml/Leads/insertRecords', result)).toBe(
      '<?xml version="1.0" encoding="UTF-8" ?>\n<response uri="/crm/private/xml/Leads/insertRecords"><result><message>Record(s) added successfully</message><recorddetail><FL val="Id">1465372000000086057</FL><FL val="Created Time">2015-04-15 14:39:49</FL><FL val="Modified Time">2015-04-15 14:39:49</FL><FL val="Created By"><![CDATA[Dexter Heng]]></FL><FL val="Modified By"><![CDATA[Dexter Heng]]></FL></recorddetail></result></response>\n',
    );
  });

  it('update → updated', () => {
    const plan = planCall(call('Leads', 'updateRecords', { id: '7' }), parsed(lead('1')), ctx());
    const r = toLegacyResult(plan, [response(200, { data: [ok('7', 'record updated')] })], {});
    expect(r).toMatchObject({ kind: 'success', message: 'Record(s) updated successfully' });
  });

  it('default upsert → added / updated by action', () => {
    const plan = planCall(call('Leads', 'insertRecords', { duplicatecheck: '2' }), parsed(lead('1')), ctx());
    expect(toLegacyResult(plan, [response(200, { data: [ok('1', 'record updated', { duplicate_field: 'Email', action: 'update' })] })], {})).toMatchObject({ message: 'Record(s) updated successfully' });
    expect(toLegacyResult(plan, [response(200, { data: [ok('1', 'record added', { duplicate_field: null, action: 'insert' })] })], {})).toMatchObject({ message: 'Record(s) added successfully' });
  });

  it('v4 upsert → 2000 / 2001 per row, in input order', () => {
    const plan = planCall(call('Leads', 'insertRecords', { version: '4', duplicatecheck: '2' }), parsed(lead('7'), lead('9')), ctx());
    const r = toLegacyResult(plan, [response(200, { data: [ok('1', 'record updated', { action: 'update' }), ok('2', 'record added', { action: 'insert' })] })], {});
    expect(r.kind === 'rows' && r.rows.map((x) => ('success' in x ? `${x.no}:${x.success.code}` : x.no))).toEqual(['7:2001', '9:2000']);
  });

  it('duplicateCheck=1: rows found by the pre-check answer "already exists" with the existing record', () => {
    const plan = planCall(call('Leads', 'insertRecords', { duplicatecheck: '1' }), parsed(lead('1')), ctx());
    const existing = new Map([[0, details('1465372000000086037', '2015-04-14T13:40:03+00:00')]]);
    const r = toLegacyResult({ ...plan, requests: [] }, [], { existing, timeZone: 'UTC' });
    expect(r).toEqual({ kind: 'success', message: 'Record(s) already exists', records: [{ id: '1465372000000086037', createdTime: '2015-04-14 13:40:03', modifiedTime: '2015-04-14 13:40:03', createdBy: 'Dexter Heng', modifiedBy: 'Dexter Heng' }] });
  });

  it('v4 duplicateCheck=1: DUPLICATE_DATA → 2002 with what is known', () => {
    const plan = planCall(call('Leads', 'insertRecords', { version: '4', duplicatecheck: '1' }), parsed(lead('1'), lead('2')), ctx());
    const dup = { code: 'DUPLICATE_DATA', details: { api_name: 'Email', id: '555' }, message: 'duplicate data', status: 'error' };
    const r = toLegacyResult(plan, [response(207, { data: [dup, ok('6')] })], {});
    expect(r).toMatchObject({ kind: 'rows', rows: [{ no: '1', success: { code: '2002', details: { id: '555' } } }, { no: '2', success: { code: '2000' } }] });
  });
});

describe('toLegacyResult: v2 error codes (§5 mapping)', () => {
  const v4 = (module = 'Leads', rows = [lead('1')], params: Record<string, string> = {}) => planCall(call(module, 'insertRecords', { version: '4', ...params }), parsed(...rows), ctx());
  const dflt = (rows = [lead('1')], params: Record<string, string> = {}) => planCall(call('Leads', 'insertRecords', params), parsed(...rows), ctx());
  const err = (code: string, message: string, d: Record<string, unknown> = {}) => ({ code, details: d, message, status: 'error' });

  it.each([
    ['MANDATORY_NOT_FOUND', err('MANDATORY_NOT_FOUND', 'required field not found', { api_name: 'Last_Name' }), legacyErrors.rowMandatoryMissing('Last Name'), legacyErrors.mandatoryMissing()],
    ['MANDATORY_NOT_FOUND layout field', err('MANDATORY_NOT_FOUND', 'required field not found', { api_name: 'Company' }), legacyErrors.rowMandatoryMissing('Company'), legacyErrors.mandatoryMissing()],
    ['INVALID_DATA (label sent)', err('INVALID_DATA', 'invalid data', { api_name: 'Email' }), legacyErrors.wrongValue('Email'), legacyErrors.wrongValue('Email')],
    ['INVALID_DATA (field not sent)', err('INVALID_DATA', 'invalid data', { api_name: 'No_of_Employees' }), legacyErrors.wrongValue('No of Employees'), legacyErrors.wrongValue('No of Employees')],
    ['DUPLICATE_DATA unique field', err('DUPLICATE_DATA', 'duplicate data', { api_name: 'Stripe_ID', id: '1' }), legacyErrors.duplicate('Stripe ID'), legacyErrors.duplicate('Stripe ID')],
    ['AUTHORIZATION_FAILED', err('AUTHORIZATION_FAILED', 'User does not have sufficient privilege to add records'), legacyErrors.noPermission('insert'), legacyErrors.noPermission('insert')],
    ['RECORD_LOCKED', err('RECORD_LOCKED', 'locked'), legacyErrors.internal(), legacyErrors.internal()],
  ])('%s', (_name, item, rowError, topError) => {
    expect(toLegacyResult(v4(), [response(400, { data: [item] })], { schema })).toEqual({ kind: 'rows', rows: [{ no: '1', error: rowError }] });
    expect(toLegacyResult(dflt(), [response(400, { data: [item] })], { schema })).toEqual({ kind: 'error', error: topError });
  });

  it('unknown id on update: 4600 "id" (default), row 4425 or 401.2 (v4)', () => {
    const invalidId = err('INVALID_DATA', 'the id given seems to be invalid', { api_name: 'id' });
    const upd = planCall(call('Leads', 'updateRecords', { id: '1' }), parsed(lead('1')), ctx());
    expect(toLegacyResult(upd, [response(400, { data: [invalidId] })], {})).toEqual({ kind: 'error', error: legacyErrors.badParameter('id') });
    const upd4 = planCall(call('Leads', 'updateRecords', { version: '4' }), parsed(row('1', ['Id', '1'], ['City', 'x'])), ctx());
    expect(toLegacyResult(upd4, [response(400, { data: [invalidId] })], {})).toEqual({ kind: 'rows', rows: [{ no: '1', error: legacyErrors.rowInvalidId() }] });
    expect(toLegacyResult(upd4, [response(400, { data: [invalidId] })], { unknownIdRowCode: '401.2' })).toEqual({ kind: 'rows', rows: [{ no: '1', error: legacyErrors.rowNoEditPermission() }] });
  });

  it.each([
    // The bridge's own credentials refused: 4500 for the whole request, never the client's 4834 (issue 12).
    [401, err('INVALID_TOKEN', 'invalid oauth token'), legacyErrors.internal()],
    [401, err('AUTHENTICATION_FAILURE', 'Authentication failed'), legacyErrors.internal()],
    [401, err('OAUTH_SCOPE_MISMATCH', 'invalid oauth scope to access this URL'), legacyErrors.internal()],
    [401, {}, legacyErrors.internal()],
    [429, err('TOO_MANY_REQUESTS', 'Many requests fired in concurrent than the allowed limit'), legacyErrors.rateLimit()],
    [400, err('INVALID_MODULE', 'the module name given seems to be invalid'), legacyErrors.generic()],
    [400, err('INVALID_MODULE', 'the given module is not supported in api'), legacyErrors.moduleNotSupported()],
    [500, err('INTERNAL_ERROR', 'Internal server error occurred.'), legacyErrors.internal()],
    [400, err('LIMIT_EXCEEDED', 'limit exceeded', { limit: 100 }), legacyErrors.internal()],
    [502, '<html>bad gateway</html>', legacyErrors.internal()],
    [200, {}, legacyErrors.internal()],
  ])('top level HTTP %s %j', (status, body, expected) => {
    expect(toLegacyResult(dflt(), [response(status, body)], {})).toEqual({ kind: 'error', error: expected });
    const r4 = toLegacyResult(v4(), [response(status, body)], {});
    const whole = ['4834', '4820', '4502'].includes(expected.code) || expected.message === legacyErrors.generic().message || status === 401;
    if (whole) expect(r4).toEqual({ kind: 'error', error: expected });
    else expect(r4).toEqual({ kind: 'rows', rows: [{ no: '1', error: expected }] });
  });

  it.each(['INVALID_TOKEN', 'AUTHENTICATION_FAILURE', 'OAUTH_SCOPE_MISMATCH'])('%s inside data[] refuses the whole request with 4500, and its cause is named', (code) => {
    const body = { data: [err(code, 'refused')] };
    expect(toLegacyResult(v4(), [response(401, body)], {})).toEqual({ kind: 'error', error: legacyErrors.internal() });
    expect(toLegacyResult(dflt(), [response(200, body)], {})).toEqual({ kind: 'error', error: legacyErrors.internal() });
    expect(credentialRefusal(401, body)).toContain(`HTTP 401 ${code}`);
  });

  it('credentialRefusal: only credential refusals; the legacy authtoken reason keeps 4834, oauth-refused is 4500', () => {
    expect(credentialRefusal(400, { data: [err('INVALID_DATA', 'x')] })).toBeUndefined();
    expect(credentialRefusal(200, { data: [ok('1')] })).toBeUndefined();
    expect(credentialRefusal(401, '<html/>')).toContain('HTTP 401');
    expect(legacyErrorFor('invalid-authtoken')).toEqual(legacyErrors.invalidTicket());
    expect(legacyErrorFor('oauth-refused')).toEqual(legacyErrors.internal());
  });

  it('a top-level record error object (old SDK shape) applies to the row', () => {
    const r = toLegacyResult(v4(), [response(400, err('MANDATORY_NOT_FOUND', 'required field not found', { api_name: 'Last_Name' }))], {});
    expect(r).toEqual({ kind: 'rows', rows: [{ no: '1', error: legacyErrors.rowMandatoryMissing('Last Name') }] });
  });

  it('reads data[i] whatever the HTTP status', () => {
    expect(toLegacyResult(dflt(), [response(400, { data: [ok('3')] })], {})).toMatchObject({ kind: 'success', records: [{ id: '3' }] });
  });

  it('a transport failure: whole request for 4834/4820, row errors otherwise in v4', () => {
    const fail = (reason: FailureReason = 'upstream-failed'): V2Outcome => ({ kind: 'failure', reason, inDoubt: true, message: 'timeout' });
    expect(toLegacyResult(v4(), [fail()], {})).toEqual({ kind: 'rows', rows: [{ no: '1', error: legacyErrors.internal() }] });
    expect(toLegacyResult(v4(), [fail('rate-limited')], {})).toEqual({ kind: 'error', error: legacyErrors.rateLimit() });
    expect(toLegacyResult(dflt(), [], {})).toEqual({ kind: 'error', error: legacyErrors.internal() });
  });

  it('default multi-row with one failing row: the first failing row answers; createdIds lists the others', () => {
    const plan = dflt([lead('1'), lead('2'), lead('3')]);
    const outcomes = [response(207, { data: [ok('11'), err('INVALID_DATA', 'invalid data', { api_name: 'Email' }), ok('13')] })];
    expect(toLegacyResult(plan, outcomes, {})).toEqual({ kind: 'error', error: legacyErrors.wrongValue('Email') });
    expect(createdIds(plan, outcomes)).toEqual(['11', '13']);
  });

  it('createdIds skips upsert updates and updates', () => {
    const plan = planCall(call('Leads', 'insertRecords', { version: '4', duplicatecheck: '2' }), parsed(lead('1'), lead('2')), ctx());
    expect(createdIds(plan, [response(200, { data: [ok('1', 'record updated', { action: 'update' }), ok('2', 'record added', { action: 'insert' })] })])).toEqual(['2']);
  });

  it('a local plan error is the answer', () => {
    const plan = planCall(call('leads', 'insertRecords'), parsed(lead('1')), ctx());
    expect(toLegacyResult(plan, [], {})).toEqual({ kind: 'error', error: legacyErrors.generic() });
  });

  it('v4 local row errors keep their place between upstream rows', () => {
    const plan = v4('Leads', [lead('a'), row('b', ['City', 'x']), lead('c')]);
    const r = toLegacyResult(plan, [response(201, { data: [ok('1'), ok('3')] })], {});
    expect(r.kind === 'rows' && r.rows.map((x) => ('success' in x ? x.success.details.id : x.error.code))).toEqual(['1', '4891', '3']);
  });
});
