/**
 * The record lifecycle beyond writes: DELETE into the recycle bin and the deleted-records list, related lists
 * (read, update, delink) and lead conversion (docs/PROTOCOL-READS.md §7, §11, §12, §15). Handlers take plain
 * inputs and return a Reply; app.ts wires them to routes.
 */
import { formatIsoInZone } from '../v2/time.js';
import { ACTIVITY_MODULES, relatedListsOf, type RelatedListDef } from '../v2/related-lists.js';
import { topLevel, v2Error, type Reply } from '../v2/envelopes.js';
import type { SandboxMetadata, SandboxUser } from './metadata.js';
import { displayName } from './render.js';
import type { StoredRecord } from './store.js';
import { lookupId } from './validate.js';
import { createRecord, extractData, type WriteContext } from './writes.js';

/** v2's cap on ids per DELETE. */
export const MAX_DELETE_IDS = 100;

/** Renders one listed item (a record, a deleted-record entry, a junction row) as v2 JSON. */
export type PageOf = <T>(items: T[], render: (item: T) => Record<string, unknown>) => Reply;

const userRef = (metadata: SandboxMetadata, id: string): { name: string; id: string } => ({
  name: metadata.user(id)?.fullName ?? '',
  id,
});

/**
 * `DELETE /crm/v2/{M}?ids=a,b` or `DELETE /crm/v2/{M}/{id}`: each id → `record deleted`, or INVALID_DATA when the
 * module holds no such record. Status 200 when any id succeeded, 400 when none did. `wf_trigger` is accepted and
 * ignored (the sandbox runs no workflows).
 */
export function deleteRecords(ctx: WriteContext, moduleApi: string, ids: string[]): Reply {
  if (ids.length === 0) return topLevel.paramMissing('ids');
  if (ids.length > MAX_DELETE_IDS) return { status: 400, body: v2Error('LIMIT_EXCEEDED', { limit: MAX_DELETE_IDS }, 'limit exceeded') };
  const data = ids.map((id) =>
    ctx.store.remove(moduleApi, id, ctx.user.id, ctx.now)
      ? { code: 'SUCCESS', details: { id }, message: 'record deleted', status: 'success' }
      : v2Error('INVALID_DATA', { id }, 'record not deleted'),
  );
  const ok = data.some((d) => d.status === 'success');
  return { status: ok ? 200 : 400, body: { data } };
}

/**
 * `GET /crm/v2/{M}/deleted?type=all|recycle|permanent` (S0 capitalises the values; both accepted), newest first,
 * filtered by `If-Modified-Since` on `deleted_time`.
 */
export function deletedList(
  ctx: WriteContext,
  moduleApi: string,
  type: string | undefined,
  modifiedSince: number | undefined,
  pageOf: PageOf,
): Reply {
  const t = (type ?? 'all').toLowerCase();
  if (t !== 'all' && t !== 'recycle' && t !== 'permanent') {
    return { status: 400, body: v2Error('INVALID_DATA', { param_name: 'type' }, 'invalid data') };
  }
  let entries = ctx.store.deletedOf(moduleApi).filter((d) => t === 'all' || d.type === t);
  if (modifiedSince !== undefined) {
    entries = entries.filter((d) => d.deletedAt > modifiedSince);
    if (entries.length === 0 && ctx.store.deletedOf(moduleApi).length > 0) return { status: 304 };
  }
  return pageOf(entries, (d) => ({
    deleted_by: userRef(ctx.metadata, d.deletedBy),
    id: d.record.id,
    display_name: displayName(ctx.metadata, d.record),
    type: d.type,
    created_by: userRef(ctx.metadata, d.record.createdBy),
    deleted_time: formatIsoInZone(d.deletedAt, ctx.user.timeZone),
  }));
}

/** The related lists of a module in this sandbox's metadata. */
export function relatedLists(metadata: SandboxMetadata, parent: string): RelatedListDef[] {
  return relatedListsOf(parent, metadata.snapshot.modules, metadata.snapshot.fields);
}

function findList(metadata: SandboxMetadata, parent: string, name: string): RelatedListDef | undefined {
  const lower = name.toLowerCase();
  return relatedLists(metadata, parent).find((d) => d.api_name.toLowerCase() === lower);
}

const noList = (): Reply => ({
  status: 400,
  body: v2Error('INVALID_DATA', { api_name: 'related_list' }, 'the related list name given seems to be invalid'),
});
const noParent = (): Reply => ({ status: 400, body: v2Error('INVALID_DATA', { api_name: 'id' }, 'the id given seems to be invalid') });

/**
 * `GET /crm/v2/{Parent}/{id}/{list}`: the records of the list (junction rows carry their junction fields),
 * 204 when there are none. Attachments are listed by ./files.ts.
 */
export function relatedRecords(
  ctx: WriteContext,
  parent: string,
  parentId: string,
  listName: string,
  render: (r: StoredRecord) => Record<string, unknown>,
  pageOf: PageOf,
): Reply | { attachments: RelatedListDef } {
  const def = findList(ctx.metadata, parent, listName);
  if (!def) return noList();
  if (!ctx.store.get(parent, parentId)) return noParent();
  switch (def.kind) {
    case 'attachments':
      return { attachments: def };
    case 'activities': {
      // Open activities (`Activities`) and closed ones (`Activities_History`), each row naming its type.
      const field = def.field!;
      const rows = ACTIVITY_MODULES.flatMap((m) => ctx.store.list(m))
        .filter((r) => lookupId(r.values[field]) === parentId && isClosedActivity(r, ctx.now) === (def.closed ?? false))
        .sort((a, b) => b.seq - a.seq);
      return pageOf(rows, (r) => ({ ...render(r), Activity_Type: r.module }));
    }
    case 'stage-history': {
      const entries = ctx.store.stageHistory.filter((e) => e.dealId === parentId).reverse();
      return pageOf(entries, (e) => ({
        Stage: e.stage,
        Amount: e.amount,
        Probability: e.probability,
        Expected_Revenue: expectedRevenue(e.amount, e.probability),
        Closing_Date: e.closingDate,
        Modified_Time: formatIsoInZone(e.modifiedAt, ctx.user.timeZone),
        Modified_By: userRef(ctx.metadata, e.modifiedBy),
        id: e.id,
      }));
    }
    case 'junction': {
      const rows = ctx.store
        .relationsOf(parent, parentId, def.api_name, def.module)
        .map((rel) => ({ rel, record: ctx.store.get(rel.childModule, rel.childId) }))
        .filter((x): x is { rel: typeof x.rel; record: StoredRecord } => x.record !== undefined);
      return pageOf(rows, ({ rel, record }) => ({ ...render(record), ...rel.fields }));
    }
    default: {
      const field = def.field!;
      const rows = ctx.store.list(def.module).filter((r) => lookupId(r.values[field]) === parentId);
      return pageOf(rows, render);
    }
  }
}

/**
 * Closed activities go to `Activities_History`: a completed Task, an Event that has ended, a Call that has started
 * (a logged or past call). Everything else is open.
 */
function isClosedActivity(r: StoredRecord, now: number): boolean {
  const past = (v: unknown): boolean => typeof v === 'string' && Number.isFinite(Date.parse(v)) && Date.parse(v) < now;
  if (r.module === 'Tasks') return r.values.Status === 'Completed';
  if (r.module === 'Events') return past(r.values.End_DateTime);
  return past(r.values.Call_Start_Time);
}

/** Amount × Probability / 100, as v2 computes a Deal's expected revenue; null when either is missing. */
function expectedRevenue(amount: unknown, probability: unknown): number | null {
  return typeof amount === 'number' && typeof probability === 'number' ? Math.round(amount * probability) / 100 : null;
}

/**
 * `PUT /crm/v2/{Parent}/{id}/{list}` (`data[]` of `{id, …junction fields}`) or `PUT …/{list}/{childId}`:
 * relates each record, `relation updated` per entry. Only junction lists can be updated this way; a lookup list
 * is changed by updating the child's lookup field, as in v2.
 */
export function updateRelated(
  ctx: WriteContext,
  parent: string,
  parentId: string,
  listName: string,
  body: unknown,
  urlChildId?: string,
): Reply {
  const def = findList(ctx.metadata, parent, listName);
  if (!def) return noList();
  if (!ctx.store.get(parent, parentId)) return noParent();
  if (def.kind !== 'junction') return topLevel.invalidMethod();
  const data = extractData(body);
  if (!Array.isArray(data)) return data;
  const allowed = new Set(def.junctionFields ?? []);
  const entries = data.map((raw, index) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      return v2Error('INVALID_DATA', { expected_data_type: 'jsonobject', index }, 'invalid data');
    }
    const input = raw as Record<string, unknown>;
    const childId = urlChildId ?? lookupId(input.id);
    if (childId === undefined || !ctx.store.get(def.module, childId)) return v2Error('INVALID_DATA', { api_name: 'id' }, 'the id given seems to be invalid');
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input)) {
      if (k === 'id') continue;
      if (!allowed.has(k)) return v2Error('INVALID_DATA', { api_name: k }, 'invalid data');
      fields[k] = v;
    }
    ctx.store.relate({ parentModule: parent, parentId, list: def.api_name, childModule: def.module, childId, fields });
    return { code: 'SUCCESS', details: { id: childId }, message: 'relation updated', status: 'success' };
  });
  const ok = entries.filter((e) => e.status === 'success').length;
  return { status: ok === 0 ? 400 : ok < entries.length ? 207 : 200, body: { data: entries } };
}

/** `DELETE /crm/v2/{Parent}/{id}/{list}/{childId}` (also `?ids=` on the list): `relation removed` per id. */
export function delinkRelated(ctx: WriteContext, parent: string, parentId: string, listName: string, childIds: string[]): Reply {
  const def = findList(ctx.metadata, parent, listName);
  if (!def) return noList();
  if (!ctx.store.get(parent, parentId)) return noParent();
  if (childIds.length === 0) return topLevel.paramMissing('ids');
  const data = childIds.map((childId) => {
    let removed = false;
    if (def.kind === 'junction') removed = ctx.store.unrelate(parentId, def.api_name, childId, def.module);
    else if (def.field) {
      const modules = def.kind === 'activities' ? ACTIVITY_MODULES : [def.module];
      const child = modules.map((m) => ctx.store.get(m, childId)).find((r) => r !== undefined);
      if (child && lookupId(child.values[def.field]) === parentId) {
        child.values[def.field] = null;
        child.modifiedAt = ctx.now;
        child.modifiedBy = ctx.user.id;
        ctx.store.changed();
        removed = true;
      }
    }
    return removed
      ? { code: 'SUCCESS', details: { id: childId }, message: 'relation removed', status: 'success' }
      : v2Error('INVALID_DATA', { api_name: 'id' }, 'the id given seems to be invalid');
  });
  const ok = data.filter((e) => e.status === 'success').length;
  return { status: ok === 0 ? 400 : ok < data.length ? 207 : 200, body: { data } };
}

/** Lead fields copied to the Contact and the Account when a lead is converted (v2's default mapping). */
const LEAD_TO_CONTACT = ['Salutation', 'First_Name', 'Last_Name', 'Email', 'Phone', 'Mobile', 'Fax', 'Title', 'Description',
  'Mailing_Street', 'Mailing_City', 'Mailing_State', 'Mailing_Zip', 'Mailing_Country', 'Lead_Source', 'Secondary_Email', 'Skype_ID', 'Twitter',
  'Email_Opt_Out'];
const LEAD_ADDRESS: Record<string, string> = { Street: 'Mailing_Street', City: 'Mailing_City', State: 'Mailing_State', Zip_Code: 'Mailing_Zip', Country: 'Mailing_Country' };
const LEAD_TO_ACCOUNT: Record<string, string> = { Company: 'Account_Name', Phone: 'Phone', Fax: 'Fax', Website: 'Website', Industry: 'Industry',
  Annual_Revenue: 'Annual_Revenue', No_of_Employees: 'Employees', Street: 'Billing_Street', City: 'Billing_City', State: 'Billing_State',
  Zip_Code: 'Billing_Code', Country: 'Billing_Country' };

/**
 * `POST /crm/v2/Leads/{id}/actions/convert` with `{"data":[{overwrite, notify_lead_owner, notify_new_entity_owner,
 * Accounts, Contacts, assign_to, Deals}]}` → `{"data":[{"Contacts":"…","Deals":"…"|null,"Accounts":"…"|null}]}`.
 * The lead is removed (as v2 does: a converted lead leaves the Leads list). Existing `Accounts`/`Contacts` ids are
 * reused (merged when `overwrite`); a Deal is created only when `Deals` is given.
 */
export function convertLead(ctx: WriteContext, leadId: string, body: unknown): Reply {
  const lead = ctx.store.get('Leads', leadId);
  if (!lead) return { status: 400, body: v2Error('INVALID_DATA', { api_name: 'id' }, 'the id given seems to be invalid') };
  const data = body === undefined ? [{}] : extractData(body);
  if (!Array.isArray(data)) return data;
  const input = (data[0] ?? {}) as Record<string, unknown>;
  const assignTo = lookupId(input.assign_to);
  if (assignTo !== undefined && !ctx.metadata.user(assignTo)) {
    return { status: 400, body: v2Error('INVALID_DATA', { api_name: 'assign_to' }, 'invalid data') };
  }
  const owner = assignTo ?? lead.ownerId;
  const v = lead.values;
  const withOwner = (values: Record<string, unknown>): Record<string, unknown> => ({ ...values, Owner: { id: owner } });

  let accountId = lookupId(input.Accounts);
  if (accountId !== undefined && !ctx.store.get('Accounts', accountId)) return invalid('Accounts');
  if (accountId === undefined && typeof v.Company === 'string' && v.Company !== '') {
    const existing = ctx.store.list('Accounts').find((a) => a.values.Account_Name === v.Company);
    if (existing) accountId = existing.id;
    else {
      const values: Record<string, unknown> = {};
      for (const [from, to] of Object.entries(LEAD_TO_ACCOUNT)) if (v[from] !== undefined && v[from] !== null) values[to] = v[from];
      const created = createRecord(ctx, 'Accounts', withOwner(values));
      if ('error' in created) return { status: 400, body: created.error };
      accountId = created.record.id;
    }
  }

  let contactId = lookupId(input.Contacts);
  if (contactId !== undefined) {
    const contact = ctx.store.get('Contacts', contactId);
    if (!contact) return invalid('Contacts');
    if (input.overwrite === true) {
      for (const k of LEAD_TO_CONTACT) if (v[k] !== undefined && v[k] !== null) contact.values[k] = v[k];
      contact.modifiedAt = ctx.now;
      contact.modifiedBy = ctx.user.id;
      ctx.store.changed();
    }
  } else {
    const values: Record<string, unknown> = {};
    for (const k of LEAD_TO_CONTACT) if (v[k] !== undefined && v[k] !== null) values[k] = v[k];
    for (const [from, to] of Object.entries(LEAD_ADDRESS)) if (v[from] !== undefined && v[from] !== null) values[to] = v[from];
    if (accountId !== undefined) values.Account_Name = { id: accountId };
    const created = createRecord(ctx, 'Contacts', withOwner(values));
    if ('error' in created) return { status: 400, body: created.error };
    contactId = created.record.id;
  }

  let dealId: string | null = null;
  if (input.Deals !== undefined && input.Deals !== null) {
    if (typeof input.Deals !== 'object' || Array.isArray(input.Deals)) return invalid('Deals');
    const values: Record<string, unknown> = { ...(input.Deals as Record<string, unknown>) };
    if (accountId !== undefined) values.Account_Name = { id: accountId };
    values.Contact_Name = { id: contactId };
    const created = createRecord(ctx, 'Deals', withOwner(values));
    if ('error' in created) return { status: 400, body: created.error };
    dealId = created.record.id;
  }

  for (const list of ['Notes']) {
    // The lead's notes follow the contact, as in v2.
    for (const note of ctx.store.list(list)) {
      if (lookupId(note.values.Parent_Id) === leadId && contactId !== undefined) {
        note.values.Parent_Id = { name: '', id: contactId };
        note.values.$se_module = 'Contacts';
      }
    }
  }
  // A converted lead leaves the Leads list but is not a deleted record (it never shows in /Leads/deleted).
  ctx.store.remove('Leads', leadId, ctx.user.id, ctx.now);
  ctx.store.deleted.delete(leadId);
  return { status: 200, body: { data: [{ Contacts: contactId, Deals: dealId, Accounts: accountId ?? null }] } };
}

const invalid = (apiName: string): Reply => ({ status: 400, body: v2Error('INVALID_DATA', { api_name: apiName }, 'invalid data') });

/** A user's reference as the sandbox renders it (exported for files.ts). */
export function userReference(metadata: SandboxMetadata, user: SandboxUser | string): { name: string; id: string } {
  return userRef(metadata, typeof user === 'string' ? user : user.id);
}
