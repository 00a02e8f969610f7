/**
 * The v1 error catalogue: every legacy code the bridge emits, with the exact runtime strings of
 * docs/PROTOCOL.md §5. Everything that answers a legacy client takes its code and text from here.
 */
import { v1ParameterName } from './parameter-names.js';

export interface LegacyError {
  /** v1 code as a string ("4600", "401.2"): every scalar is a string on the v1 wire. */
  code: string;
  /** Exact text for a top-level `<error><message>` or a version=4 row `<details>`. */
  message: string;
}

/** Names the parameter in its v1 spelling when it is one of v1's (legacy/parameter-names.ts), whatever its case. */
const paramMessage = (name: string): string =>
  `Unable to process your request. Please verify if the name and value is appropriate for the "${v1ParameterName(name) ?? name}" parameter.`;

export const legacyErrors = {
  /** Mandatory value missing / empty row, default version (top level). */
  mandatoryMissing: (): LegacyError => ({
    code: '4401',
    message: 'Unable to populate data, please check if mandatory value is entered correctly.',
  }),
  /** Mandatory value missing, version=4 row. */
  rowMandatoryMissing: (label: string): LegacyError => ({ code: '4891', message: `Mandatory Field Missing : ${label}` }),
  /** A value that cannot be converted or that v2 rejected as INVALID_DATA. */
  wrongValue: (label: string): LegacyError => ({
    code: '4832',
    message: `You have given a wrong value for the field : ${label}`,
  }),
  /** A bad or missing parameter ("id", "xmlData", "wfTrigger", "scope" …). */
  badParameter: (name: string): LegacyError => ({ code: '4600', message: paramMessage(name) }),
  /** Unknown path, module or method (sic: "name,parameter"). */
  generic: (): LegacyError => ({
    code: '4600',
    message:
      'Unable to process your request. Please verify whether you have entered proper method name,parameter and parameter values.',
  }),
  /** version=4 update row whose Id is missing or unknown. */
  rowInvalidId: (): LegacyError => ({
    code: '4425',
    message: 'Unable to process your request. Please check whether you have given the valid record Id',
  }),
  /** Alternative answer for an unknown id on a version=4 update row (option). */
  rowNoEditPermission: (): LegacyError => ({
    code: '401.2',
    message: 'You do not have the permission to edit this record or the "id" value you have given is invalid.',
  }),
  noPermission: (op: 'insert' | 'update' | 'module'): LegacyError =>
    op === 'insert'
      ? { code: '401.1', message: 'No permission to create a record' }
      : op === 'update'
        ? { code: '401.2', message: 'You do not have the permission to edit this record or the "id" value you have given is invalid.' }
        : { code: '401', message: 'No module permission' },
  /** A unique-field clash. */
  duplicate: (label: string): LegacyError => ({
    code: '4819',
    message: `Duplicate record(s) with same ${label} already exists.`,
  }),
  /** Upstream failure, timeout, unparseable answer; also the pre-2012 ticket/apikey (sic: "occured"). */
  internal: (): LegacyError => ({ code: '4500', message: 'Problem occured while processing the request' }),
  /** Bad/unknown/missing authtoken, token refresh failure, wrong DC. */
  invalidTicket: (): LegacyError => ({ code: '4834', message: 'Invalid Ticket Id' }),
  /** Rate limit: 429 after retries, local credit budget spent. */
  rateLimit: (): LegacyError => ({
    code: '4820',
    message: 'API call cannot be completed as you have exceeded the "rate limit".',
  }),
  /** INVALID_MODULE "the given module is not supported in api". */
  moduleNotSupported: (): LegacyError => ({ code: '4502', message: 'This module is not supported in your edition' }),
  /** nodata answer. */
  noData: (): LegacyError => ({ code: '4422', message: 'There is no data to show' }),
} as const;

export type LegacyErrorFactory = keyof typeof legacyErrors;
