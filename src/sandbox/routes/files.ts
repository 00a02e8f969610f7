/** Record photos and attachments: upload (multipart), download, delete. */
import {
  deleteAttachment,
  deletePhoto,
  downloadAttachment,
  downloadPhoto,
  uploadAttachment,
  uploadPhoto,
} from '../files.js';
import { param, upload, withModule, withModuleAsync, writeContext } from '../request.js';
import type { RouteSpec } from './types.js';

export const fileRoutes: RouteSpec[] = [
  {
    method: 'post',
    pattern: '/crm/v2/:module/:id/photo',
    upload: true,
    handler: (ctx) => withModuleAsync(ctx, async (m) => uploadPhoto(writeContext(ctx), m, param(ctx, 'id'), (await upload(ctx)).file)),
  },
  { method: 'get', pattern: '/crm/v2/:module/:id/photo', handler: (ctx) => withModule(ctx, (m) => downloadPhoto(writeContext(ctx), m, param(ctx, 'id'))) },
  { method: 'delete', pattern: '/crm/v2/:module/:id/photo', handler: (ctx) => withModule(ctx, (m) => deletePhoto(writeContext(ctx), m, param(ctx, 'id'))) },
  {
    method: 'post',
    pattern: '/crm/v2/:module/:id/Attachments',
    upload: true,
    handler: (ctx) => withModuleAsync(ctx, async (m) => uploadAttachment(writeContext(ctx), m, param(ctx, 'id'), await upload(ctx))),
  },
  {
    method: 'get',
    pattern: '/crm/v2/:module/:id/Attachments/:attachmentId',
    handler: (ctx) => withModule(ctx, () => downloadAttachment(writeContext(ctx), param(ctx, 'id'), param(ctx, 'attachmentId'))),
  },
  {
    method: 'delete',
    pattern: '/crm/v2/:module/:id/Attachments/:attachmentId',
    handler: (ctx) => withModule(ctx, () => deleteAttachment(writeContext(ctx), param(ctx, 'id'), param(ctx, 'attachmentId'))),
  },
];
