/**
 * Multipart bodies of v2 uploads (attachments, photos), built with the form-data library. The file's bytes are
 * appended by reference: a 20 MB attachment is not copied again on its way out.
 */
import type { Readable } from 'node:stream';
import FormData from 'form-data';
import type { MultipartFactory } from './client.js';

/** One file part named `field` (v2: `file`), rebuilt for every attempt. */
export function multipartFile(field: string, file: { bytes: Buffer; fileName: string; contentType: string }): MultipartFactory {
  return () => {
    const form = new FormData();
    form.append(field, file.bytes, { filename: file.fileName, contentType: file.contentType });
    return { stream: form as unknown as Readable, contentType: form.getHeaders()['content-type'] as string, length: form.getLengthSync() };
  };
}

/** One text field (v2: `attachmentUrl`), rebuilt for every attempt. */
export function multipartField(field: string, value: string): MultipartFactory {
  return () => {
    const form = new FormData();
    form.append(field, value);
    return { stream: form as unknown as Readable, contentType: form.getHeaders()['content-type'] as string, length: form.getLengthSync() };
  };
}
