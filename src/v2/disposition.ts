/**
 * The `Content-Disposition` of a downloaded attachment or photo, for the sandbox's v2 answer and the proxy's v1
 * answer alike (one owner of the rule).
 *
 * - A printable ASCII name keeps the form zbridge has always sent, `attachment;filename="name"` (`"`, `\`, CR and
 *   LF become `_`): clients that match `filename="(.*)"` keep working.
 * - Any other name (é, 日本, €…) cannot travel in a header's Latin-1 bytes: it gets RFC 6266's
 *   `filename*=UTF-8''…` with an ASCII fallback in `filename`, written by the `content-disposition` package
 *   (jshttp, the one express uses). Before, each UTF-16 unit was cut to its low byte (breaker finding 2).
 *
 * @param fileName the attachment's name as uploaded
 * @returns the header value
 */
import { create } from 'content-disposition';

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export function attachmentDisposition(fileName: string): string {
  if (PRINTABLE_ASCII.test(fileName)) return `attachment;filename="${fileName.replace(/["\\]/g, '_')}"`;
  return create(fileName.replace(/[\r\n]/g, '_'), { type: 'attachment' });
}
