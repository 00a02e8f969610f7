/**
 * Attachments and record photos with real bytes (docs/PROTOCOL-READS.md §13): multipart uploads (`file` part) or
 * `attachmentUrl`, listing, download with the stored content type, delete. Multipart is parsed by busboy.
 */
import busboy from 'busboy';
import { Readable } from 'node:stream';
import { formatIsoInZone } from '../v2/time.js';
import { topLevel, v2Error, type Reply } from '../v2/envelopes.js';
import { userReference, type PageOf } from './lifecycle.js';
import type { StoredFile } from './store.js';
import type { WriteContext } from './writes.js';

/** v2's attachment size limit (20 MB). */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;
/** Record photo limit (v1 documented 2 MB for photos; v2 accepts up to 10 MB — the sandbox uses v2's). */
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;

/** A binary answer (downloads): bytes with their content type and file name. */
export interface FileReply extends Reply {
  file: { bytes: Buffer; contentType: string; fileName: string };
}

export interface UploadPart {
  fileName: string;
  contentType: string;
  bytes: Buffer;
}

/**
 * The `file` part of a multipart body, or the `attachmentUrl` field. Resolves `{}` when neither is present.
 * Errors: a body that is not valid multipart rejects.
 */
export function parseUpload(contentType: string | undefined, body: Buffer): Promise<{ file?: UploadPart; attachmentUrl?: string }> {
  if (!contentType || !/^multipart\/form-data/i.test(contentType)) {
    // `attachmentUrl` may come urlencoded or in the query; the caller checks the query.
    const params = new URLSearchParams(body.toString('utf8'));
    return Promise.resolve(params.get('attachmentUrl') ? { attachmentUrl: params.get('attachmentUrl')! } : {});
  }
  return new Promise((resolve, reject) => {
    const out: { file?: UploadPart; attachmentUrl?: string } = {};
    let parser: busboy.Busboy;
    try {
      // Part names are read as UTF-8 (what form-data, browsers and the proxy send), not busboy's default Latin-1.
      parser = busboy({ headers: { 'content-type': contentType }, defParamCharset: 'utf8' });
    } catch (error) {
      reject(error as Error);
      return;
    }
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (name === 'file' && out.file === undefined) {
          out.file = { fileName: info.filename ?? 'file', contentType: info.mimeType || 'application/octet-stream', bytes: Buffer.concat(chunks) };
        }
      });
    });
    parser.on('field', (name, value) => {
      if (name === 'attachmentUrl' && value !== '') out.attachmentUrl = value;
    });
    parser.on('error', reject);
    parser.on('close', () => resolve(out));
    Readable.from([body]).pipe(parser);
  });
}

function attachmentJson(ctx: WriteContext, parentName: string, f: StoredFile): Record<string, unknown> {
  const owner = userReference(ctx.metadata, f.createdBy);
  return {
    Owner: { ...owner, email: ctx.metadata.user(f.createdBy)?.email ?? '' },
    Modified_By: owner,
    Created_Time: formatIsoInZone(f.createdAt, ctx.user.timeZone),
    Parent_Id: { name: parentName, id: f.parentId },
    $editable: true,
    $file_id: `f${f.id}`,
    Modified_Time: formatIsoInZone(f.createdAt, ctx.user.timeZone),
    File_Name: f.fileName,
    $se_module: f.module,
    Size: String(f.bytes.length),
    Created_By: owner,
    id: f.id,
  };
}

/** `POST /crm/v2/{M}/{id}/Attachments`: store the `file` part (or fetch nothing for `attachmentUrl`: kept as a link). */
export function uploadAttachment(ctx: WriteContext, moduleApi: string, parentId: string, upload: { file?: UploadPart; attachmentUrl?: string }): Reply {
  if (!ctx.store.get(moduleApi, parentId)) return invalidId();
  let file: UploadPart;
  if (upload.file) file = upload.file;
  else if (upload.attachmentUrl) {
    // The sandbox has no network: a link attachment stores the URL itself, named after its last path segment.
    const name = linkName(upload.attachmentUrl);
    file = { fileName: name, contentType: 'text/uri-list', bytes: Buffer.from(upload.attachmentUrl, 'utf8') };
  } else return topLevel.paramMissing('file');
  if (file.bytes.length > MAX_ATTACHMENT_BYTES) return { status: 400, body: v2Error('FILE_SIZE_MORE_THAN_ALLOWED_SIZE', {}, 'file size should not exceed 20 MB') };
  const { id } = ctx.store.next();
  const stored: StoredFile = { id, module: moduleApi, parentId, ...file, createdAt: ctx.now, createdBy: ctx.user.id };
  ctx.store.attachments.set(id, stored);
  ctx.store.changed();
  const by = userReference(ctx.metadata, ctx.user);
  const time = formatIsoInZone(ctx.now, ctx.user.timeZone);
  return {
    status: 200,
    body: {
      data: [
        {
          code: 'SUCCESS',
          details: { Modified_Time: time, Modified_By: by, Created_Time: time, id, Created_By: by },
          message: 'attachment uploaded successfully',
          status: 'success',
        },
      ],
    },
  };
}

/** `GET /crm/v2/{M}/{id}/Attachments`: the record's attachments, newest first. */
export function listAttachments(ctx: WriteContext, moduleApi: string, parentId: string, parentName: string, pageOf: PageOf): Reply {
  if (!ctx.store.get(moduleApi, parentId)) return invalidId();
  const files = [...ctx.store.attachments.values()].filter((f) => f.parentId === parentId).reverse();
  return pageOf(files, (f) => attachmentJson(ctx, parentName, f));
}

/** `GET /crm/v2/{M}/{id}/Attachments/{attachmentId}`: the bytes. */
export function downloadAttachment(ctx: WriteContext, parentId: string, attachmentId: string): Reply | FileReply {
  const f = ctx.store.attachments.get(attachmentId);
  if (!f || f.parentId !== parentId) return invalidId();
  return { status: 200, file: { bytes: f.bytes, contentType: f.contentType, fileName: f.fileName } };
}

/** `DELETE /crm/v2/{M}/{id}/Attachments/{attachmentId}`. */
export function deleteAttachment(ctx: WriteContext, parentId: string, attachmentId: string): Reply {
  const f = ctx.store.attachments.get(attachmentId);
  if (!f || f.parentId !== parentId) return invalidId();
  ctx.store.attachments.delete(attachmentId);
  ctx.store.changed();
  return { status: 200, body: { data: [{ code: 'SUCCESS', details: { id: attachmentId }, message: 'record deleted', status: 'success' }] } };
}

/** `POST /crm/v2/{M}/{id}/photo` (Leads, Contacts, Accounts, Products, Vendors … — any module in the sandbox). */
export function uploadPhoto(ctx: WriteContext, moduleApi: string, recordId: string, file: UploadPart | undefined): Reply {
  if (!ctx.store.get(moduleApi, recordId)) return invalidId();
  if (!file) return topLevel.paramMissing('file');
  if (!/^image\//i.test(file.contentType)) return { status: 400, body: v2Error('INVALID_DATA', { api_name: 'file' }, 'invalid data') };
  if (file.bytes.length > MAX_PHOTO_BYTES) return { status: 400, body: v2Error('FILE_SIZE_MORE_THAN_ALLOWED_SIZE', {}, 'file size exceeded') };
  ctx.store.photos.set(recordId, { id: recordId, module: moduleApi, parentId: recordId, ...file, createdAt: ctx.now, createdBy: ctx.user.id });
  ctx.store.changed();
  return { status: 200, body: { code: 'SUCCESS', details: {}, message: 'photo uploaded successfully', status: 'success' } };
}

/** `GET /crm/v2/{M}/{id}/photo`: the image, 204 when the record has none. */
export function downloadPhoto(ctx: WriteContext, moduleApi: string, recordId: string): Reply | FileReply {
  if (!ctx.store.get(moduleApi, recordId)) return invalidId();
  const f = ctx.store.photos.get(recordId);
  if (!f) return { status: 204 };
  return { status: 200, file: { bytes: f.bytes, contentType: f.contentType, fileName: f.fileName } };
}

/** `DELETE /crm/v2/{M}/{id}/photo`. */
export function deletePhoto(ctx: WriteContext, moduleApi: string, recordId: string): Reply {
  if (!ctx.store.get(moduleApi, recordId)) return invalidId();
  if (!ctx.store.photos.delete(recordId)) return { status: 400, body: v2Error('INVALID_DATA', { api_name: 'photo' }, 'no photo found') };
  ctx.store.changed();
  return { status: 200, body: { code: 'SUCCESS', details: {}, message: 'Photo deleted', status: 'success' } };
}

/** A link attachment's name: the last segment of the URL's path (its query and fragment are not part of it). */
function linkName(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url.split(/[?#]/)[0];
  }
  const last = path.split('/').filter(Boolean).pop();
  try {
    return last ? decodeURIComponent(last) : 'link';
  } catch {
    return last ?? 'link';
  }
}

const invalidId = (): Reply => ({ status: 400, body: v2Error('INVALID_DATA', { api_name: 'id' }, 'the id given seems to be invalid') });
