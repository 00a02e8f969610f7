/**
 * Reading the metadata answers without casts (docs/PROTOCOL.md §9; PROTOCOL-READS.md §8.1, §10): the list under its
 * key in `GET /crm/v2/settings/modules` (`modules`), `/settings/fields` (`fields`), `/settings/layouts`
 * (`layouts`), `/users` (`users`) and `/org/taxes` (`taxes`). A list is read only when it is an array of objects
 * that each carry their identifying string (`api_name`, `id`, tax `name`); anything else reads as undefined, so
 * the caller treats the answer as missing (an error, or the snapshot) instead of carrying a malformed entry on.
 */
import { asObject } from './answers.js';
import type { V2FieldJson, V2LayoutJson, V2ModuleJson, V2TaxJson, V2UserJson } from './types.js';

/** `modules[]` of settings/modules: every entry has a string `api_name`. */
export function modulesOf(body: unknown): V2ModuleJson[] | undefined {
  return listOf<V2ModuleJson>(body, 'modules', 'api_name');
}

/** `fields[]` of settings/fields: every entry has a string `api_name`. */
export function fieldsOf(body: unknown): V2FieldJson[] | undefined {
  return listOf<V2FieldJson>(body, 'fields', 'api_name');
}

/** `layouts[]` of settings/layouts: every entry is an object (sections are read field by field downstream). */
export function layoutsOf(body: unknown): V2LayoutJson[] | undefined {
  return listOf<V2LayoutJson>(body, 'layouts');
}

/** `users[]` of /users: every entry has a string `id` (v2 user ids are strings). */
export function usersOf(body: unknown): V2UserJson[] | undefined {
  return listOf<V2UserJson>(body, 'users', 'id');
}

/** `taxes[]` of org/taxes: every entry has a string `name`. */
export function taxesOf(body: unknown): V2TaxJson[] | undefined {
  return listOf<V2TaxJson>(body, 'taxes', 'name');
}

function listOf<T>(body: unknown, key: string, idKey?: string): T[] | undefined {
  const list = asObject(body)?.[key];
  if (!Array.isArray(list)) return undefined;
  for (const entry of list) {
    const o = asObject(entry);
    if (o === undefined || (idKey !== undefined && typeof o[idKey] !== 'string')) return undefined;
  }
  return list as T[];
}
