/**
 * v2 metadata as files, in exactly the shapes the live endpoints return, so a snapshot pulled from a real org
 * (`zbridge metadata pull --out DIR`) replaces the bundled one file for file:
 *   DIR/modules.json         {"modules":[…]}   GET /crm/v2/settings/modules
 *   DIR/fields/{api}.json    {"fields":[…]}    GET /crm/v2/settings/fields?module={api}
 *   DIR/users.json           {"users":[…]}     GET /crm/v2/users?type=AllUsers (optional)
 *   DIR/taxes.json           {"taxes":[…]}     GET /crm/v2/org/taxes (optional)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { snapshotDir } from '../paths.js';
import { asObject } from './answers.js';
import { fieldsOf, modulesOf, taxesOf, usersOf } from './settings.js';
import type { V2FieldJson, V2ModuleJson, V2TaxJson, V2UserJson } from './types.js';

export interface MetadataSnapshot {
  modules: V2ModuleJson[];
  /** Keyed by module api_name. */
  fields: Record<string, V2FieldJson[]>;
  users: V2UserJson[];
  /** The org's taxes (GET /crm/v2/org/taxes `taxes`); [] when the snapshot has none. */
  taxes: V2TaxJson[];
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`metadata: cannot read ${file}: ${(error as Error).message}`);
  }
}

export function loadMetadataDir(dir: string = snapshotDir): MetadataSnapshot {
  const modules = modulesOf(readJson(join(dir, 'modules.json')));
  if (!modules) throw new Error(`metadata: ${dir}/modules.json has no "modules" array of modules with an api_name`);
  const fields: Record<string, V2FieldJson[]> = {};
  const fieldsDir = join(dir, 'fields');
  if (existsSync(fieldsDir)) {
    for (const name of readdirSync(fieldsDir)) {
      if (!name.endsWith('.json')) continue;
      const list = fieldsOf(readJson(join(fieldsDir, name)));
      if (!list) throw new Error(`metadata: ${fieldsDir}/${name} has no "fields" array of fields with an api_name`);
      fields[name.slice(0, -'.json'.length)] = list;
    }
  }
  return { modules, fields, users: optionalList(join(dir, 'users.json'), 'users', usersOf), taxes: optionalList(join(dir, 'taxes.json'), 'taxes', taxesOf) };
}

/** users.json / taxes.json: absent → none; present → its list, which must be well formed. */
function optionalList<T>(file: string, key: string, read: (doc: unknown) => T[] | undefined): T[] {
  if (!existsSync(file)) return [];
  const doc = readJson(file);
  const list = read(doc);
  if (list) return list;
  if (asObject(doc)?.[key] === undefined) return [];
  throw new Error(`metadata: ${file} has a "${key}" entry that is not a list of ${key} with their identifying field`);
}

let bundled: MetadataSnapshot | undefined;
/** The bundled snapshot of the standard modules, read once. */
export function bundledSnapshot(): MetadataSnapshot {
  bundled ??= loadMetadataDir(snapshotDir);
  return bundled;
}
