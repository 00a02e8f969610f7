/**
 * The sandbox's view of a metadata snapshot: module lookup by path name, fields by api_name, users.
 */
import { bundledSnapshot, loadMetadataDir, type MetadataSnapshot } from '../v2/snapshot.js';
import { isValidTimeZone } from '../v2/time.js';
import type { V2FieldJson, V2ModuleJson, V2UserJson } from '../v2/types.js';

export interface SandboxUser {
  id: string;
  fullName: string;
  email: string;
  timeZone: string;
  json: V2UserJson;
}

export class SandboxMetadata {
  readonly snapshot: MetadataSnapshot;
  readonly users: SandboxUser[];
  private readonly modulesByLower = new Map<string, V2ModuleJson>();
  private readonly modulesExact = new Map<string, V2ModuleJson>();
  private readonly fieldMaps = new Map<string, Map<string, V2FieldJson>>();
  private readonly usersById = new Map<string, SandboxUser>();

  constructor(snapshot: MetadataSnapshot, fallbackUserId: string) {
    this.snapshot = snapshot;
    for (const m of snapshot.modules) {
      this.modulesByLower.set(m.api_name.toLowerCase(), m);
      this.modulesExact.set(m.api_name, m);
    }
    for (const [api, fields] of Object.entries(snapshot.fields)) {
      this.fieldMaps.set(api, new Map(fields.map((f) => [f.api_name, f])));
    }
    const users = snapshot.users.length > 0 ? snapshot.users : [fallbackUser(fallbackUserId)];
    this.users = users.map((u) => ({
      id: String(u.id),
      fullName: u.full_name,
      email: u.email,
      timeZone: u.time_zone && isValidTimeZone(u.time_zone) ? u.time_zone : 'UTC',
      json: u,
    }));
    for (const u of this.users) this.usersById.set(u.id, u);
  }

  static load(dir: string | undefined, fallbackUserId: string): SandboxMetadata {
    return new SandboxMetadata(dir === undefined ? bundledSnapshot() : loadMetadataDir(dir), fallbackUserId);
  }

  /** Module by the name used in a path; case-insensitive unless `strict`. */
  module(name: string, strict = false): V2ModuleJson | undefined {
    return strict ? this.modulesExact.get(name) : this.modulesByLower.get(name.toLowerCase());
  }

  /** Field metadata of a module, or undefined when the snapshot has no fields file for it (then any key is kept). */
  fields(moduleApi: string): Map<string, V2FieldJson> | undefined {
    return this.fieldMaps.get(moduleApi);
  }

  fieldList(moduleApi: string): V2FieldJson[] {
    return this.snapshot.fields[moduleApi] ?? [];
  }

  user(id: string): SandboxUser | undefined {
    return this.usersById.get(id);
  }
}

/** Used only when the metadata has no users.json, so the sandbox still has an owner for records and tokens. */
function fallbackUser(id: string): V2UserJson {
  return { id, full_name: 'Sandbox Admin', email: 'admin@sandbox.invalid', time_zone: 'UTC', status: 'active' };
}
