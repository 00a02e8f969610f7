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
  const modulesDoc = readJson(join(dir, 'modules.json')) as { modules?: V2ModuleJson[] };
  if (!Array.isArray(modulesDoc.modules)) throw new Error(`metadata: ${dir}/modules.json has no "modules" array`);
  const fields: Record<string, V2FieldJson[]> = {};
  const fieldsDir = join(dir, 'fields');
  if (existsSync(fieldsDir)) {
    for (const name of readdirSync(fieldsDir)) {
      if (!name.endsWith('.json')) continue;
      const doc = readJson(join(fieldsDir, name)) as { fields?: V2FieldJson[] };
      if (!Array.isArray(doc.fields)) throw new Error(`metadata: ${fieldsDir}/${name} has no "fields" array`);
      fields[name.slice(0, -'.json'.length)] = doc.fields;
    }
  }
  const usersFile = join(dir, 'users.json');
  const users = existsSync(usersFile) ? ((readJson(usersFile) as { users?: V2UserJson[] }).users ?? []) : [];
  const taxesFile = join(dir, 'taxes.json');
  const taxes = existsSync(taxesFile) ? ((readJson(taxesFile) as { taxes?: V2TaxJson[] }).taxes ?? []) : [];
  return { modules: modulesDoc.modules, fields, users, taxes };
}

let bundled: MetadataSnapshot | undefined;
/** The bundled snapshot of the standard modules, read once. */
export function bundledSnapshot(): MetadataSnapshot {
  bundled ??= loadMetadataDir(snapshotDir);
  return bundled;
}
