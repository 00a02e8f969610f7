/**
 * Text fields of a `multipart/form-data` request body, for the OAuth token endpoint: Zoho's SDKs send the
 * refresh-token grant as multipart. Parsed by busboy (the sandbox's multipart library); a file part, more than
 * `MAX_FIELDS` fields or a field over `MAX_FIELD_BYTES` is an error, as is a body that is not valid multipart.
 */
import busboy from 'busboy';
import type { NextFunction, Request, Response } from 'express';

/** @default 50 */
export const MAX_FIELDS = 50;
/** @default 65536 bytes */
export const MAX_FIELD_BYTES = 64 * 1024;

/** Fills `req.body` with the text fields when the request is multipart; passes other requests on untouched. */
export function multipartFields(req: Request, _res: Response, next: NextFunction): void {
  const type = req.get('content-type');
  if (!type || !/^multipart\/form-data/i.test(type)) return next();
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, limits: { files: 0, fields: MAX_FIELDS, fieldSize: MAX_FIELD_BYTES } });
  } catch (error) {
    return next(error);
  }
  const fields: Record<string, string> = {};
  let failure: Error | undefined;
  const fail = (message: string): void => {
    failure ??= new Error(message);
  };
  parser.on('field', (name, value, info) => {
    if (info.valueTruncated) fail(`multipart field ${name} exceeds ${MAX_FIELD_BYTES} bytes`);
    else fields[name] = value;
  });
  parser.on('filesLimit', () => fail('file parts are not accepted'));
  parser.on('fieldsLimit', () => fail(`more than ${MAX_FIELDS} multipart fields`));
  parser.on('error', (error: Error) => {
    req.unpipe(parser);
    req.resume();
    next(error);
  });
  parser.on('close', () => {
    if (failure) return next(failure);
    req.body = fields;
    next();
  });
  req.pipe(parser);
}
