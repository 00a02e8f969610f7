/**
 * The answers of v1's record actions beyond insert/update — deleteRecords, getDeletedRecordIds, convertLead,
 * updateRelatedRecords, delink, uploadFile, deleteFile and the photo methods (docs/PROTOCOL-READS.md §7, §11–§13) —
 * as one XML tree each. The XML is the tree written out; the JSON is org.json's mechanical conversion of the same
 * tree (legacy/json.ts), so the Java 7 key orders of §14 (`message` before `code`, `Contact`, `Account`,
 * `Potential`, …) come from the same place as every other answer.
 */
import { xmlTreeToJson, type JsonKeyOrder, type XmlTreeNode } from './json.js';
import { escapeAttr, escapeText, cdata } from './response.js';
import type { LegacyFormat, LegacyRecordDetails } from './types.js';

/** What a record action answers, independent of XML or JSON. */
export type LegacyActionResult =
  /** deleteRecords: `Record Id(s) : {ids as given},Record(s) deleted successfully`, code 5000 (§7.1). */
  | { kind: 'deleted'; ids: string }
  /** getDeletedRecordIds: ids joined with `,` (§7.2). */
  | { kind: 'deleted-ids'; ids: string[] }
  /** convertLead: the unwrapped `<success>` (§12); absent entities are left out. */
  | { kind: 'converted'; contactId: string; potentialId?: string; accountId?: string }
  /** updateRelatedRecords: status 200, success 4800, added vs updated ids (§11.2). */
  | { kind: 'related-updated'; addedIds: string[]; updatedIds: string[] }
  /** deleteFile, delink, uploadPhoto, deletePhoto: `<success><code>4800</code><message>…` (§11.3, §13). */
  | { kind: 'action-success'; message: string }
  /** uploadFile: `<result><message>…</message><recorddetail>` + the 5 FL of the attachment (§13). */
  | { kind: 'file-attached'; message: string; details: LegacyRecordDetails };

const ACTION_KINDS = new Set(['deleted', 'deleted-ids', 'converted', 'related-updated', 'action-success', 'file-attached']);

/** True for the answers rendered here. */
export function isActionResult(result: { kind: string }): result is LegacyActionResult {
  return ACTION_KINDS.has(result.kind);
}

/** Messages of the action answers, exactly as v1 sent them (spelling included). */
export const ACTION_MESSAGES = {
  deleted: 'Record(s) deleted successfully',
  fileAttached: 'File has been attached successfully',
  fileDeleted: 'Attachment deleted successfully.',
  photoUploaded: 'Photo uploaded succuessfully',
  photoDeleted: 'Photo deleted successfully',
  delinked: 'Relation removed successfully',
} as const;

/** Success codes of the action answers. */
export const ACTION_CODES = { deleted: '5000', success: '4800', status: '200' } as const;

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" ?>\n';

const text = (name: string, value: string): XmlTreeNode => ({ name, text: value });

/** The tree of an action answer (`uri` = request path; convertLead has no `<response>` wrapper). */
export function actionTree(uri: string, result: LegacyActionResult): XmlTreeNode {
  const response = (child: XmlTreeNode): XmlTreeNode => ({ name: 'response', attrs: [['uri', uri]], children: [child] });
  switch (result.kind) {
    case 'deleted':
      return response({
        name: 'result',
        children: [text('code', ACTION_CODES.deleted), text('message', `Record Id(s) : ${result.ids},${ACTION_MESSAGES.deleted}`)],
      });
    case 'deleted-ids':
      return response({ name: 'result', children: [text('DeletedIDs', result.ids.join(','))] });
    case 'converted': {
      const entity = (name: string, id: string): XmlTreeNode => ({ name, attrs: [['param', 'id']], text: id });
      const children = [entity('Contact', result.contactId)];
      if (result.potentialId !== undefined) children.push(entity('Potential', result.potentialId));
      if (result.accountId !== undefined) children.push(entity('Account', result.accountId));
      return { name: 'success', children };
    }
    case 'related-updated': {
      const children: XmlTreeNode[] = [{ name: 'status', children: [text('code', ACTION_CODES.status)] }];
      children.push({ name: 'success', children: [text('code', ACTION_CODES.success)] });
      if (result.addedIds.length > 0) children.push(text('added-ids', `[${result.addedIds.join(',')}]`));
      if (result.updatedIds.length > 0) children.push(text('updated-ids', `[${result.updatedIds.join(',')}]`));
      return response({ name: 'result', children });
    }
    case 'action-success':
      return response({ name: 'success', children: [text('code', ACTION_CODES.success), text('message', result.message)] });
    case 'file-attached': {
      const d = result.details;
      const fl = (label: string, value: string, isCdata = false): XmlTreeNode => ({ name: 'FL', attrs: [['val', label]], text: value, cdata: isCdata });
      return response({
        name: 'result',
        children: [
          text('message', result.message),
          {
            name: 'recorddetail',
            children: [
              fl('Id', d.id),
              fl('Created Time', d.createdTime),
              fl('Modified Time', d.modifiedTime),
              fl('Created By', d.createdBy, true),
              fl('Modified By', d.modifiedBy, true),
            ],
          },
        ],
      });
    }
  }
}

/** An XML tree written out on one line: attributes in order, text escaped (CDATA where the node says so). */
export function xmlTreeToXml(node: XmlTreeNode): string {
  let out = `<${node.name}`;
  for (const [k, v] of node.attrs ?? []) out += ` ${k}="${escapeAttr(v)}"`;
  out += '>';
  if (node.text !== undefined) out += node.cdata ? cdata(node.text) : escapeText(node.text);
  for (const child of node.children ?? []) out += xmlTreeToXml(child);
  return `${out}</${node.name}>`;
}

/** The body bytes of an action answer: XML (declaration, LF, one line, LF) or JSON (compact, LF, keys in `order`). */
export function renderActionBody(format: LegacyFormat, uri: string, result: LegacyActionResult, order: JsonKeyOrder = 'java7'): string {
  const tree = actionTree(uri, result);
  return format === 'json' ? `${xmlTreeToJson(tree, order)}\n` : `${XML_DECLARATION}${xmlTreeToXml(tree)}\n`;
}
