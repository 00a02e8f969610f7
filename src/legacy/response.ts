/**
 * LegacyResult → the exact bytes v1 answered (docs/PROTOCOL.md §3 XML, §4 JSON). This is the proxy's hot path: the
 * XML is one string concatenation; the JSON walks a tiny tree of plain objects (it needs the Java 7 HashMap key
 * order) and is serialised as a string as well. HTTP status is always 200, for errors too.
 */
import { isActionResult, renderActionBody } from './action-response.js';
import { JSON_KEY_ORDERS, xmlTreeToJson, type JsonKeyOrder, type XmlTreeNode } from './json.js';
import type { LegacyActionResult } from './action-response.js';
import { isReadResult, renderReadJson, renderReadXml, type ReadRenderOptions } from './read-response.js';
import { cdata, escapeAttr, escapeText } from './text.js';
import type { LegacyReadResult } from './read-types.js';
import type { LegacyFormat, LegacyRecordDetails, LegacyResult } from './types.js';

/** Content type of v1 JSON answers: `application/jsonp` as Zoho sent (the default) or `application/json`. */
export const JSON_CONTENT_TYPES = ['jsonp', 'json'] as const;
export type JsonContentType = (typeof JSON_CONTENT_TYPES)[number];

export { JSON_KEY_ORDERS, type JsonKeyOrder };

export interface RenderOptions {
  /** JSON content type: 'jsonp' (default, `application/jsonp;charset=utf-8` as Zoho sent) or 'json'. */
  jsonContentType?: JsonContentType;
  /** Options of the read answers (getFields empty-FL form). */
  read?: ReadRenderOptions;
  /**
   * HashMap key order of the JSON objects: 'java7' as the 2015 US servers (docs/PROTOCOL.md §4) or 'java8' as the
   * 2016 crm.zoho.com.cn servers and Zoho's 2017 SDK sample (PROTOCOL-READS.md §14). @default 'java7'
   */
  jsonKeyOrder?: JsonKeyOrder;
}

export interface RenderedResponse {
  status: 200;
  contentType: string;
  body: string;
}

export const XML_CONTENT_TYPE = 'text/xml;charset=utf-8';
export const JSONP_CONTENT_TYPE = 'application/jsonp;charset=utf-8';
export const JSON_CONTENT_TYPE = 'application/json;charset=utf-8';

export { cdata, escapeAttr, escapeText };

/** `target.path` is the request path (no host, no query): it becomes the response `uri`. */
export function renderLegacyResponse(
  target: { format: LegacyFormat; path: string },
  result: LegacyResult,
  options: RenderOptions = {},
): RenderedResponse {
  const json = target.format === 'json';
  const contentType = !json ? XML_CONTENT_TYPE : options.jsonContentType === 'json' ? JSON_CONTENT_TYPE : JSONP_CONTENT_TYPE;
  if (isActionResult(result)) return { status: 200, contentType, body: renderActionBody(target.format, target.path, result, options.jsonKeyOrder) };
  return {
    status: 200,
    contentType,
    body: json ? renderLegacyJson(target.path, result, options.jsonKeyOrder) : renderLegacyXml(target.path, result, options.read),
  };
}

// ------------------------------------------------------------------------------------------------ XML

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" ?>\n';

/** The XML body: declaration (space before `?>`), LF, the document on one line, LF. */
export function renderLegacyXml(uri: string, result: Exclude<LegacyResult, LegacyActionResult>, readOptions?: ReadRenderOptions): string {
  if (isReadResult(result)) return renderReadXml(uri, result, readOptions);
  return `${XML_DECLARATION}<response uri="${escapeAttr(uri)}">${xmlBody(result)}</response>\n`;
}

function xmlBody(result: Exclude<LegacyResult, LegacyActionResult | LegacyReadResult>): string {
  switch (result.kind) {
    case 'success': {
      let out = `<result><message>${escapeText(result.message)}</message>`;
      for (const record of result.records) out += `<recorddetail>${xmlRecord(record)}</recorddetail>`;
      return `${out}</result>`;
    }
    case 'rows': {
      let out = '<result>';
      for (const row of result.rows) {
        out += `<row no="${escapeAttr(row.no)}">`;
        out +=
          'success' in row
            ? `<success><code>${escapeText(row.success.code)}</code><details>${xmlRecord(row.success.details)}</details></success>`
            : `<error><code>${escapeText(row.error.code)}</code><details>${escapeText(row.error.message)}</details></error>`;
        out += '</row>';
      }
      return `${out}</result>`;
    }
    case 'error':
      return `<error><code>${escapeText(result.error.code)}</code><message>${escapeText(result.error.message)}</message></error>`;
    case 'nodata':
      return `<nodata><code>${escapeText(result.error.code)}</code><message>${escapeText(result.error.message)}</message></nodata>`;
  }
}

/** The "5 FL": Id, Created Time, Modified Time, then the two user names, the only values in CDATA. */
function xmlRecord(record: LegacyRecordDetails): string {
  return (
    `<FL val="Id">${escapeText(record.id)}</FL>` +
    `<FL val="Created Time">${escapeText(record.createdTime)}</FL>` +
    `<FL val="Modified Time">${escapeText(record.modifiedTime)}</FL>` +
    `<FL val="Created By">${cdata(record.createdBy)}</FL>` +
    `<FL val="Modified By">${cdata(record.modifiedBy)}</FL>`
  );
}

// ----------------------------------------------------------------------------------------------- JSON

/** The JSON body: org.json's conversion of the same XML tree, compact, then LF; keys in `order` (@default 'java7'). */
export function renderLegacyJson(uri: string, result: Exclude<LegacyResult, LegacyActionResult>, order: JsonKeyOrder = 'java7'): string {
  if (isReadResult(result)) return renderReadJson(uri, result, order);
  return `${xmlTreeToJson(legacyResultTree(uri, result), order)}\n`;
}

/** The XML tree of a legacy answer (the shape both renderers describe), for the JSON conversion. */
export function legacyResultTree(uri: string, result: Exclude<LegacyResult, LegacyActionResult | LegacyReadResult>): XmlTreeNode {
  return { name: 'response', attrs: [['uri', uri]], children: [resultNode(result)] };
}

function resultNode(result: Exclude<LegacyResult, LegacyActionResult | LegacyReadResult>): XmlTreeNode {
  switch (result.kind) {
    case 'success':
      return {
        name: 'result',
        children: [
          { name: 'message', text: result.message },
          ...result.records.map((record) => ({ name: 'recorddetail', children: recordNodes(record) })),
        ],
      };
    case 'rows':
      return {
        name: 'result',
        children: result.rows.map((row) => ({
          name: 'row',
          attrs: [['no', row.no]] as [string, string][],
          children: [
            'success' in row
              ? {
                  name: 'success',
                  children: [
                    { name: 'code', text: row.success.code },
                    { name: 'details', children: recordNodes(row.success.details) },
                  ],
                }
              : {
                  name: 'error',
                  children: [
                    { name: 'code', text: row.error.code },
                    { name: 'details', text: row.error.message },
                  ],
                },
          ],
        })),
      };
    case 'error':
    case 'nodata':
      return {
        name: result.kind,
        children: [
          { name: 'code', text: result.error.code },
          { name: 'message', text: result.error.message },
        ],
      };
  }
}

function recordNodes(record: LegacyRecordDetails): XmlTreeNode[] {
  const fl = (label: string, value: string, cdata = false): XmlTreeNode => ({ name: 'FL', attrs: [['val', label]], text: value, cdata });
  return [
    fl('Id', record.id),
    fl('Created Time', record.createdTime),
    fl('Modified Time', record.modifiedTime),
    fl('Created By', record.createdBy, true),
    fl('Modified By', record.modifiedBy, true),
  ];
}
