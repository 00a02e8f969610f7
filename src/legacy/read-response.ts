/**
 * LegacyReadResult → the exact bytes v1 answered for reads and metadata (PROTOCOL-READS.md §3, §6.2, §8.2, §9,
 * §10). XML is string concatenation (the hot path: 200 rows per getRecords); JSON is org.json's mechanical
 * conversion of the same XML tree (legacy/json.ts), so key order and the one-child-object rule come from one place.
 */
import { hashMapOrder, javaTrim, orgJsonQuote, xmlTreeToJson, type JsonKeyOrder, type XmlTreeNode } from './json.js';
import type { LegacyReadResult, V1Field, V1FieldDescription, V1ModuleRow, V1Row, V1Section, V1User } from './read-types.js';
import { READ_RESULT_KINDS } from './read-types.js';
import { cdata, escapeAttr, escapeText } from './text.js';
import type { LegacyResult } from './types.js';

export interface ReadRenderOptions {
  /**
   * How getFields writes a `<FL>` without picklist values: `'open-close'` (`></FL>`, the PY capture) or
   * `'self-closing'` (`/>`, the CN copy). @default 'open-close' (PROTOCOL-READS §16 #12)
   */
  emptyFieldElement?: 'open-close' | 'self-closing';
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" ?>\n';

/** True when a LegacyResult is one of the read kinds rendered here. */
export function isReadResult(result: LegacyResult): result is LegacyReadResult {
  return READ_RESULT_KINDS.has(result.kind);
}

/* ------------------------------------------------------------------------------------------- XML */

/** The XML body of a read answer: declaration, LF, one line, LF. `uri` is the request path. */
export function renderReadXml(uri: string, result: LegacyReadResult, options: ReadRenderOptions = {}): string {
  switch (result.kind) {
    case 'records':
      return `${XML_DECLARATION}<response uri="${escapeAttr(uri)}"><result>${recordsXml(result.module, result.rows)}</result></response>\n`;
    case 'search-error':
      return `${XML_DECLARATION}<response uri="${escapeAttr(uri)}"><error><code>${escapeText(result.error.code)}</code><message>${escapeText(result.error.message)}</message></error></response>\n`;
    case 'fields':
      return `${XML_DECLARATION}<${result.module}>${result.sections.map((s) => sectionXml(s, options)).join('')}</${result.module}>\n`;
    case 'modules':
      return `${XML_DECLARATION}<response uri="${escapeAttr(uri)}"><result>${result.modules.map(moduleRowXml).join('')}</result></response>\n`;
    case 'users':
      return `${XML_DECLARATION}<users>${result.users.length === 0 ? NO_USERS_XML : result.users.map(userXml).join('')}</users>\n`;
  }
}

const NO_USERS_XML = '<nodata><code>4422</code><message>There is no data to show</message></nodata>';

function recordsXml(module: string, rows: V1Row[]): string {
  let out = `<${module}>`;
  for (let i = 0; i < rows.length; i += 1) {
    out += `<row no="${i + 1}">`;
    for (const f of rows[i].fields) out += fieldXml(f);
    out += '</row>';
  }
  return `${out}</${module}>`;
}

/** `<FL val="Label">` per label: 200 rows repeat the same ~40 labels (bounded; junk labels are not cached). */
const openTags = new Map<string, string>();
function openTag(label: string): string {
  let tag = openTags.get(label);
  if (tag === undefined) {
    tag = `<FL val="${escapeAttr(label)}">`;
    if (openTags.size < 4096) openTags.set(label, tag);
  }
  return tag;
}

function fieldXml(f: V1Field): string {
  if (typeof f.value !== 'string') {
    let out = openTag(f.label);
    for (const p of f.value) {
      out += `<product no="${escapeAttr(p.no)}">`;
      for (const pf of p.fields) out += fieldXml(pf);
      out += '</product>';
    }
    return `${out}</FL>`;
  }
  return `${openTag(f.label)}${f.raw ? escapeText(f.value) : cdata(f.value)}</FL>`;
}

/** Attribute layout of §8.2: `maxlength="…"`, then two spaces and `label` — or ` fval="…" ` in that slot. */
function fieldDescriptionXml(f: V1FieldDescription, options: ReadRenderOptions): string {
  const slot = f.fval !== undefined ? ` fval="${escapeAttr(f.fval)}" ` : '  ';
  let out =
    `<FL req="${f.req}" type="${escapeAttr(f.type)}" isreadonly="${f.isreadonly}" maxlength="${escapeAttr(f.maxlength)}"` +
    `${slot}label="${escapeAttr(f.label)}" dv="${escapeAttr(f.dv)}" customfield="${f.customfield}"` +
    (f.enabled !== undefined ? ` enabled="${f.enabled}"` : '');
  const values = f.values ?? [];
  if (values.length === 0) return options.emptyFieldElement === 'self-closing' ? `${out}/>` : `${out}></FL>`;
  out += '>';
  for (const v of values) out += `<val>${escapeText(v)}</val>`;
  return `${out}</FL>`;
}

function sectionXml(s: V1Section, options: ReadRenderOptions): string {
  return `<section name="${escapeAttr(s.name)}" dv="${escapeAttr(s.dv)}">${s.fields.map((f) => fieldDescriptionXml(f, options)).join('')}</section>`;
}

function moduleRowXml(m: V1ModuleRow, i: number): string {
  return `<row no="${i + 1}" id="${escapeAttr(m.id)}" pl="${escapeAttr(m.pl)}" sl="${escapeAttr(m.sl)}" gt="${escapeAttr(m.gt)}">${escapeText(m.name)}</row>`;
}

/** getUsers attribute order (§10, §16 #16): the documented six, then the rest of the 2015 JSON's keys. */
const USER_ATTRS = [
  'id', 'email', 'role', 'profile', 'status', 'confirm', 'zuid', 'timezone', 'language', 'mobile', 'phone', 'fax',
  'website', 'street', 'city', 'state', 'zip', 'country',
] as const;

function userXml(u: V1User): string {
  let out = '<user';
  for (const a of USER_ATTRS) out += ` ${a}="${escapeAttr(u[a])}"`;
  return `${out}>${escapeText(u.name)}</user>`;
}

/* ------------------------------------------------------------------------------------------ JSON */

/**
 * The JSON body of a read answer, then LF (as every v1 JSON answer of this bridge). `order`: the HashMap key order of
 * org.json's objects (PROTOCOL-READS.md §14), Java 7 as the 2015 US servers by default.
 */
export function renderReadJson(uri: string, result: LegacyReadResult, order: JsonKeyOrder = 'java7'): string {
  switch (result.kind) {
    case 'records': {
      // Hand-built for speed (200 rows × ~40 FL per getRecords); the bytes equal xmlTreeToJson of the same tree in
      // the same order (`response`: result, uri; `row`: no, FL; `FL`: content, val / product, val in Java 7; tested).
      const layout = recordsLayout(order);
      const rows = oneOrMany(result.rows.map((row, i) => rowJson(row, i, layout)));
      return `{"response":${layout.response(`{${orgJsonQuote(result.module)}:{"row":${rows}}}`, orgJsonQuote(uri))}}\n`;
    }
    case 'search-error':
      // Hand-built on the server, not org.json: spaces after two colons, uri first, the code as a number (§6.2).
      return `{"response": {"uri":${orgJsonQuote(uri)},"error": {"code":${jsonNumberOrString(result.error.code)},"message":${orgJsonQuote(result.error.message)}}}}\n`;
    case 'fields':
      return `${xmlTreeToJson({ name: result.module, children: result.sections.map(sectionNode) }, order)}\n`;
    case 'modules':
      return `${xmlTreeToJson(
        {
          name: 'response',
          attrs: [['uri', uri]],
          children: [{ name: 'result', children: result.modules.map(moduleRowNode) }],
        },
        order,
      )}\n`;
    case 'users': {
      if (result.users.length === 0) {
        return `${xmlTreeToJson(
          {
            name: 'users',
            children: [{ name: 'nodata', children: [{ name: 'code', text: '4422' }, { name: 'message', text: 'There is no data to show' }] }],
          },
          order,
        )}\n`;
      }
      const user = (u: V1User) => userJson(u, order === 'java8' ? userJsonOrderJava8() : USER_JSON_ORDER);
      return `{"users":{"user":${result.users.length === 1 ? user(result.users[0]) : `[${result.users.map(user).join(',')}]`}}}\n`;
    }
  }
}

/**
 * The member order of the hand-built records JSON, from the same HashMap model as xmlTreeToJson: each object's
 * keys inserted as org.json inserts them (attributes, then children and content in document order).
 */
interface RecordsLayout {
  response(result: string, uri: string): string;
  /** `content` before `val` in a value FL. */
  contentFirst: boolean;
  /** `product` before `val` in a Product Details FL. */
  productFirst: boolean;
  /** `no` before `FL` in a row and a product. */
  noFirst: boolean;
}

const layouts = new Map<JsonKeyOrder, RecordsLayout>();
function recordsLayout(order: JsonKeyOrder): RecordsLayout {
  let layout = layouts.get(order);
  if (layout === undefined) {
    const keys = hashMapOrder(order);
    const resultFirst = keys(['uri', 'result'])[0] === 'result';
    layout = {
      response: (result, uri) => (resultFirst ? `{"result":${result},"uri":${uri}}` : `{"uri":${uri},"result":${result}}`),
      contentFirst: keys(['val', 'content'])[0] === 'content',
      productFirst: keys(['val', 'product'])[0] === 'product',
      noFirst: keys(['no', 'FL'])[0] === 'no',
    };
    layouts.set(order, layout);
  }
  return layout;
}

function jsonNumberOrString(code: string): string {
  return /^\d+$/.test(code) ? code : orgJsonQuote(code);
}

const oneOrMany = (items: string[]): string => (items.length === 1 ? items[0] : `[${items.join(',')}]`);

function rowJson(row: V1Row, i: number, layout: RecordsLayout): string {
  return members(layout.noFirst, `"no":"${i + 1}"`, `"FL":${oneOrMany(row.fields.map((f) => fieldJson(f, layout)))}`);
}

/** `{a,b}` or `{b,a}`. */
function members(firstFirst: boolean, first: string, second: string): string {
  return firstFirst ? `{${first},${second}}` : `{${second},${first}}`;
}

function fieldJson(f: V1Field, layout: RecordsLayout): string {
  const val = valMember(f.label);
  if (typeof f.value !== 'string') {
    const products = f.value.map((p) => members(layout.noFirst, `"no":${orgJsonQuote(p.no)}`, `"FL":${oneOrMany(p.fields.map((pf) => fieldJson(pf, layout)))}`));
    return products.length === 0 ? `{${val}}` : members(layout.productFirst, `"product":${oneOrMany(products)}`, val);
  }
  // org.json trims plain text (Java String.trim) but keeps CDATA as is; an empty text has no `content`.
  const text = f.raw ? javaTrim(f.value) : f.value;
  return text === '' ? `{${val}}` : members(layout.contentFirst, `"content":${orgJsonQuote(text)}`, val);
}

/** `"val":"Label"` per label: 200 rows repeat the same ~40 labels (bounded like the XML open tags). */
const valMembers = new Map<string, string>();
function valMember(label: string): string {
  let member = valMembers.get(label);
  if (member === undefined) {
    member = `"val":${orgJsonQuote(label)}`;
    if (valMembers.size < 4096) valMembers.set(label, member);
  }
  return member;
}

/** The XML tree of a record row (what the hand-built JSON above equals; used by the equivalence test). */
export function rowNode(row: V1Row, i: number): XmlTreeNode {
  return { name: 'row', attrs: [['no', String(i + 1)]], children: row.fields.map(fieldNode) };
}

function fieldNode(f: V1Field): XmlTreeNode {
  if (typeof f.value !== 'string') {
    return {
      name: 'FL',
      attrs: [['val', f.label]],
      children: f.value.map((p) => ({ name: 'product', attrs: [['no', p.no]] as [string, string][], children: p.fields.map(fieldNode) })),
    };
  }
  return { name: 'FL', attrs: [['val', f.label]], text: f.value, cdata: !f.raw };
}

function sectionNode(s: V1Section): XmlTreeNode {
  return {
    name: 'section',
    attrs: [
      ['name', s.name],
      ['dv', s.dv],
    ],
    children: s.fields.map(fieldDescriptionNode),
  };
}

function fieldDescriptionNode(f: V1FieldDescription): XmlTreeNode {
  const attrs: [string, string][] = [
    ['req', String(f.req)],
    ['type', f.type],
    ['isreadonly', String(f.isreadonly)],
    ['maxlength', f.maxlength],
  ];
  if (f.fval !== undefined) attrs.push(['fval', f.fval]);
  attrs.push(['label', f.label], ['dv', f.dv], ['customfield', String(f.customfield)]);
  if (f.enabled !== undefined) attrs.push(['enabled', String(f.enabled)]);
  return { name: 'FL', attrs, children: (f.values ?? []).map((v) => ({ name: 'val', text: v })) };
}

function moduleRowNode(m: V1ModuleRow, i: number): XmlTreeNode {
  return {
    name: 'row',
    attrs: [
      ['no', String(i + 1)],
      ['id', m.id],
      ['pl', m.pl],
      ['sl', m.sl],
      ['gt', m.gt],
    ],
    text: m.name,
  };
}

/**
 * The observed key order of a getUsers `user` object [obs T 2015], emitted as is: a 19-key HashMap that resized
 * while filling, from an attribute insertion order nobody recorded, so the bucket model cannot derive it.
 */
const USER_JSON_ORDER = [
  'zip', 'phone', 'fax', 'status', 'website', 'street', 'state', 'city', 'country', 'content', 'id', 'timezone', 'zuid',
  'email', 'role', 'language', 'confirm', 'profile', 'mobile',
] as const;

type UserKey = (typeof USER_ATTRS)[number] | 'content';

/**
 * Java 8's order of a `user` object: its keys inserted as the XML has them (the attributes in USER_ATTRS order, then
 * `content`); within a bucket Java 8 keeps that order. Unobserved in this exact form: §14 says "per SDK sample".
 */
let userKeysJava8: UserKey[] | undefined;
function userJsonOrderJava8(): readonly UserKey[] {
  if (userKeysJava8 === undefined) {
    const inserted: UserKey[] = [...USER_ATTRS, 'content'];
    const order = hashMapOrder('java8')(inserted);
    userKeysJava8 = inserted.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  }
  return userKeysJava8;
}

function userJson(u: V1User, keys: readonly UserKey[]): string {
  const parts = keys.map((key) => `${orgJsonQuote(key)}:${orgJsonQuote(key === 'content' ? u.name : u[key])}`);
  return `{${parts.join(',')}}`;
}
