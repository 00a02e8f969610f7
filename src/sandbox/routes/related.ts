/** Related lists of a record: list (the Attachments list included), relate or update, delink. */
import { topLevel, type Reply } from '../../v2/envelopes.js';
import { listAttachments } from '../files.js';
import { delinkRelated, relatedRecords, updateRelated } from '../lifecycle.js';
import { INVALID_JSON, type CallContext } from '../pipeline.js';
import { displayName } from '../render.js';
import { idsParam, pageOf, param, render, withModule, writeContext } from '../request.js';
import type { RouteSpec } from './types.js';

export const relatedRoutes: RouteSpec[] = [
  { method: 'get', pattern: '/crm/v2/:module/:id/:list', handler: (ctx) => withModule(ctx, (m) => related(ctx, m)) },
  { method: 'put', pattern: '/crm/v2/:module/:id/:list', handler: (ctx) => withModule(ctx, (m) => relate(ctx, m, ctx.body)) },
  { method: 'put', pattern: '/crm/v2/:module/:id/:list/:childId', handler: (ctx) => withModule(ctx, (m) => relate(ctx, m, ctx.body ?? { data: [{}] }, param(ctx, 'childId'))) },
  {
    method: 'delete',
    pattern: '/crm/v2/:module/:id/:list/:childId',
    handler: (ctx) => withModule(ctx, (m) => delinkRelated(writeContext(ctx), m, param(ctx, 'id'), param(ctx, 'list'), [param(ctx, 'childId')])),
  },
  { method: 'delete', pattern: '/crm/v2/:module/:id/:list', handler: (ctx) => withModule(ctx, (m) => delinkRelated(writeContext(ctx), m, param(ctx, 'id'), param(ctx, 'list'), idsParam(ctx))) },
];

/** A related list of a record, paged; the Attachments list comes from the attachment store. */
function related(ctx: CallContext, parent: string): Reply {
  const parentId = param(ctx, 'id');
  const out = relatedRecords(writeContext(ctx), parent, parentId, param(ctx, 'list'), (r) => render(ctx, r), pageOf(ctx));
  if (!('attachments' in out)) return out;
  const parentRecord = ctx.state.store.get(parent, parentId)!;
  return listAttachments(writeContext(ctx), parent, parentId, displayName(ctx.state.metadata, parentRecord), pageOf(ctx));
}

function relate(ctx: CallContext, parent: string, body: unknown, childId?: string): Reply {
  if (body === INVALID_JSON) return topLevel.bodyNotJson();
  return updateRelated(writeContext(ctx), parent, param(ctx, 'id'), param(ctx, 'list'), body, childId);
}
