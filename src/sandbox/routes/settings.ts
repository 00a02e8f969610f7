/** Metadata endpoints: modules, org taxes, fields, related lists, layouts, users. */
import { relatedListsJson } from '../../v2/related-lists.js';
import { topLevel, type Reply } from '../../v2/envelopes.js';
import { relatedLists } from '../lifecycle.js';
import type { CallContext } from '../pipeline.js';
import { layouts, users } from '../reads.js';
import { readRequest, str, strictNames } from '../request.js';
import type { RouteSpec } from './types.js';

export const settingsRoutes: RouteSpec[] = [
  { method: 'get', pattern: '/crm/v2/settings/modules', handler: (ctx) => ({ status: 200, body: { modules: ctx.state.metadata.snapshot.modules } }) },
  { method: 'get', pattern: '/crm/v2/org/taxes', handler: orgTaxes },
  { method: 'get', pattern: '/crm/v2/settings/fields', handler: settingsFields },
  { method: 'get', pattern: '/crm/v2/settings/related_lists', handler: settingsRelatedLists },
  { method: 'get', pattern: '/crm/v2/settings/layouts', handler: (ctx) => layouts(ctx.state.metadata, str(ctx.req.query.module), strictNames(ctx)) },
  { method: 'get', pattern: '/crm/v2/users', handler: (ctx) => users(readRequest(ctx)) },
];

/** The org's taxes (taxes.json of the metadata); 204 when it has none. */
function orgTaxes(ctx: CallContext): Reply {
  const taxes = ctx.state.metadata.snapshot.taxes;
  return taxes.length === 0 ? { status: 204 } : { status: 200, body: { taxes, preference: { auto_populate_tax: false, modify_tax_rates: true } } };
}

/** `?module=` of a settings endpoint: its api name, or the v2 error answer. */
function settingsModule(ctx: CallContext): string | Reply {
  const name = ctx.req.query.module;
  if (typeof name !== 'string' || name === '') return topLevel.paramMissing('module');
  const m = ctx.state.metadata.module(name, strictNames(ctx));
  return m ? m.api_name : topLevel.invalidModule();
}

function settingsFields(ctx: CallContext): Reply {
  const m = settingsModule(ctx);
  return typeof m === 'string' ? { status: 200, body: { fields: ctx.state.metadata.fieldList(m) } } : m;
}

function settingsRelatedLists(ctx: CallContext): Reply {
  const m = settingsModule(ctx);
  if (typeof m !== 'string') return m;
  return { status: 200, body: { related_lists: relatedListsJson(m, relatedLists(ctx.state.metadata, m), '3652397000000') } };
}
