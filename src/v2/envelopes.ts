/**
 * The exact v2 answer shapes of docs/PROTOCOL.md §9.2–§9.4. Key order matters to byte-comparing tests, so every
 * object is built literally in the documented order.
 */

import { MAX_RECORDS_PER_WRITE } from './modules.js';

/** A handler's answer before it is written: status, JSON body (undefined = no body) and extra headers. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface V2Error {
  code: string;
  details: Record<string, unknown>;
  message: string;
  status: 'error';
}

export const v2Error = (code: string, details: Record<string, unknown>, message: string): V2Error => ({
  code,
  details,
  message,
  status: 'error',
});

/** Top-level errors of §9.4 (and the search/parameter errors the sandbox chose, see README). */
export const topLevel = {
  invalidToken: (): Reply => ({ status: 401, body: v2Error('INVALID_TOKEN', {}, 'invalid oauth token') }),
  invalidModule: (): Reply => ({
    status: 400,
    body: v2Error('INVALID_MODULE', {}, 'the module name given seems to be invalid'),
  }),
  moduleNotSupported: (): Reply => ({
    status: 400,
    body: v2Error('INVALID_MODULE', {}, 'the given module is not supported in api'),
  }),
  dataMissing: (): Reply => ({
    status: 400,
    body: v2Error('MANDATORY_NOT_FOUND', { api_name: 'data' }, 'required field not found'),
  }),
  dataNotArray: (): Reply => ({
    status: 400,
    body: v2Error('INVALID_DATA', { expected_data_type: 'jsonarray', api_name: 'data' }, 'invalid data'),
  }),
  bodyNotJson: (): Reply => ({ status: 400, body: v2Error('INVALID_DATA', {}, 'invalid data') }),
  limitExceeded: (): Reply => ({ status: 400, body: v2Error('LIMIT_EXCEEDED', { limit: MAX_RECORDS_PER_WRITE }, 'limit exceeded') }),
  invalidUrl: (): Reply => ({
    status: 404,
    body: v2Error('INVALID_URL_PATTERN', {}, 'Please check if the URL trying to access is a correct one'),
  }),
  invalidMethod: (): Reply => ({
    status: 405,
    body: v2Error('INVALID_REQUEST_METHOD', {}, 'The http request method type is not a valid one'),
  }),
  /** Concurrency 429: too many calls in flight for this user and app (clears in about a second). */
  tooManyRequests: (headers?: Record<string, string>): Reply => ({
    status: 429,
    body: v2Error('TOO_MANY_REQUESTS', {}, 'Many requests fired in concurrent than the allowed limit'),
    headers,
  }),
  /** Credits 429: the org's rolling-24 h API credits are spent (lasts until old calls leave the window) [choice]. */
  creditsExhausted: (headers?: Record<string, string>): Reply => ({
    status: 429,
    body: v2Error('TOO_MANY_REQUESTS', {}, 'API credits exhausted for the rolling 24-hour window'),
    headers,
  }),
  /** No Authorization header (or not `Zoho-oauthtoken …`). */
  authenticationFailure: (): Reply => ({ status: 401, body: v2Error('AUTHENTICATION_FAILURE', {}, 'Authentication failed') }),
  /** The token's scopes do not cover the module or operation. */
  scopeMismatch: (): Reply => ({ status: 401, body: v2Error('OAUTH_SCOPE_MISMATCH', {}, 'invalid oauth scope to access this URL') }),
  /** The user's profile lacks the permission (`Crm_Implied_View_Leads` …). */
  noPermission: (permissions: string[]): Reply => ({ status: 403, body: v2Error('NO_PERMISSION', { permissions }, 'permission denied') }),
  /** `duplicate_check_fields` names a field that is neither the system duplicate-check field nor unique [choice]. */
  notDuplicateCheckField: (apiName: string): Reply => ({
    status: 400,
    body: v2Error('INVALID_DATA', { api_name: apiName }, 'the field is not a duplicate check field'),
  }),
  internal: (): Reply => ({ status: 500, body: v2Error('INTERNAL_ERROR', {}, 'Internal server error occurred.') }),
  paramMissing: (param: string): Reply => ({
    status: 400,
    body: v2Error('REQUIRED_PARAM_MISSING', { param }, 'One of the expected parameter is missing'),
  }),
  invalidQuery: (details: Record<string, unknown>): Reply => ({
    status: 400,
    body: v2Error('INVALID_QUERY', details, 'invalid query formed'),
  }),
};

/** Per-record errors of §9.3. */
export const recordError = {
  mandatory: (apiName: string): V2Error => v2Error('MANDATORY_NOT_FOUND', { api_name: apiName }, 'required field not found'),
  invalidType: (expected: string, apiName: string): V2Error =>
    v2Error('INVALID_DATA', { expected_data_type: expected, api_name: apiName }, 'invalid data'),
  invalidValue: (apiName: string): V2Error => v2Error('INVALID_DATA', { api_name: apiName }, 'invalid data'),
  tooLong: (maximumLength: number, apiName: string): V2Error =>
    v2Error('INVALID_DATA', { maximum_length: maximumLength, api_name: apiName }, 'invalid data'),
  notAnObject: (index: number): V2Error =>
    v2Error('INVALID_DATA', { expected_data_type: 'jsonobject', index }, 'invalid data'),
  invalidId: (withApiName: boolean): V2Error =>
    v2Error('INVALID_DATA', withApiName ? { api_name: 'id' } : {}, 'the id given seems to be invalid'),
  duplicate: (apiName: string, existingId: string, module?: string): V2Error =>
    v2Error(
      'DUPLICATE_DATA',
      module === undefined ? { api_name: apiName, id: existingId } : { api_name: apiName, id: existingId, module },
      'duplicate data',
    ),
  participantsLimit: (): V2Error => v2Error('LIMIT_EXCEEDED', { api_name: 'Participants', limit: 50 }, 'limit exceeded'),
};

export type WriteAction = 'insert' | 'update';

/** One success entry of `data[]`: keys code, [duplicate_field, action,] details, message, status. */
export function successEntry(
  details: Record<string, unknown>,
  action: WriteAction,
  upsert?: { duplicateField: string | null },
): Record<string, unknown> {
  const message = action === 'insert' ? 'record added' : 'record updated';
  if (upsert) {
    return { code: 'SUCCESS', duplicate_field: upsert.duplicateField, action, details, message, status: 'success' };
  }
  return { code: 'SUCCESS', details, message, status: 'success' };
}
