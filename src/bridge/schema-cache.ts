/**
 * Schema per profile and module, rebuilt only when the metadata source hands out new arrays (its TTL
 * expired), so the hot path does not rebuild field maps on every call.
 */
import { Schema } from '../mapping/index.js';
import type { V2FieldJson, V2ModuleJson } from '../mapping/types.js';
import type { ProfileRuntime } from '../upstream.js';

interface Entry {
  modules: V2ModuleJson[];
  fields: V2FieldJson[];
  schema: Schema;
}

export class SchemaCache {
  /**
   * @param onResolved called with each v1 module name a call resolved against the org's metadata (the bridge
   *        names it in metrics from then on: an org's custom modules are not `other`)
   */
  constructor(private readonly onResolved?: (v1Module: string) => void) {}

  private readonly entries = new Map<string, Entry>();
  /** Module list → Schema without fields, for module-name resolution. */
  private readonly moduleSchemas = new WeakMap<V2ModuleJson[], Schema>();

  /** The Schema for a v1 module name, or undefined when the module does not exist in this org. */
  async forModule(profile: ProfileRuntime, v1Module: string): Promise<Schema | undefined> {
    const modules = await profile.metadata.modules();
    let moduleOnly = this.moduleSchemas.get(modules);
    if (!moduleOnly) {
      moduleOnly = Schema.fromMetadata(modules, {});
      this.moduleSchemas.set(modules, moduleOnly);
    }
    const target = moduleOnly.resolveModule(v1Module);
    if (!target) return undefined;
    this.onResolved?.(v1Module);
    const fields = await profile.metadata.fields(target.apiName);
    const key = `${profile.name}\u0000${target.apiName}`;
    const hit = this.entries.get(key);
    if (hit && hit.modules === modules && hit.fields === fields) return hit.schema;
    const schema = Schema.fromMetadata(modules, { [target.apiName]: fields });
    this.entries.set(key, { modules, fields, schema });
    return schema;
  }
}
