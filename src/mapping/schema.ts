/**
 * The Schema: modules and fields of one org, built from v2 metadata (live /settings or the bundled snapshot),
 * over the fixed per-module facts of docs/PROTOCOL.md §9.7 (src/v2/modules.ts).
 */
import { bundledSnapshot } from '../v2/snapshot.js';
import type { FieldMeta, ModuleMeta, V2FieldJson, V2ModuleJson } from './types.js';

/** v1 path names that are not a module_name of any v2 org (docs/PROTOCOL.md §6). */
const V1_MODULE_ALIASES: Record<string, string> = { Potentials: 'Deals' };
/** Modules v1 addressed by a name that later orgs changed in module_name: match these on api_name (§6). */
const MATCH_BY_API_NAME = new Set(['Events']);

export function fieldMetaFromJson(f: V2FieldJson): FieldMeta {
  const lookupModule = f.lookup && typeof f.lookup.module === 'string' ? f.lookup.module : null;
  return {
    apiName: f.api_name,
    ...(typeof f.id === 'string' ? { id: f.id } : {}),
    label: f.field_label,
    dataType: f.data_type,
    jsonType: f.json_type ?? null,
    length: typeof f.length === 'number' ? f.length : null,
    readOnly: f.read_only === true || f.data_type === 'autonumber' || f.data_type === 'formula',
    lookupModule,
    pickListValues: (f.pick_list_values ?? []).map((p) => p.actual_value),
    unique: f.unique !== undefined && Object.keys(f.unique).length > 0,
    custom: f.custom_field === true,
  };
}

export class Schema {
  private readonly byApiName = new Map<string, ModuleMeta>();
  private readonly byApiNameLower = new Map<string, ModuleMeta>();
  private readonly byModuleName = new Map<string, ModuleMeta>();

  private constructor(modules: ModuleMeta[]) {
    for (const m of modules) {
      this.byApiName.set(m.apiName, m);
      this.byApiNameLower.set(m.apiName.toLowerCase(), m);
      this.byModuleName.set(m.moduleName, m);
    }
  }

  /** Modules without a fields entry get an empty field list (every label is then unknown). */
  static fromMetadata(modules: V2ModuleJson[], fields: Record<string, V2FieldJson[]>): Schema {
    return new Schema(
      modules.map((m) => {
        const metas = (fields[m.api_name] ?? []).map(fieldMetaFromJson);
        return {
          apiName: m.api_name,
          moduleName: m.module_name,
          singularLabel: m.singular_label,
          pluralLabel: m.plural_label,
          fields: metas,
          fieldsByApiName: new Map(metas.map((f) => [f.apiName, f])),
        };
      }),
    );
  }

  private static bundledSchema: Schema | undefined;
  /** The schema of the bundled snapshot (src/v2/snapshot), built once. */
  static bundled(): Schema {
    if (!Schema.bundledSchema) {
      const snap = bundledSnapshot();
      Schema.bundledSchema = Schema.fromMetadata(snap.modules, snap.fields);
    }
    return Schema.bundledSchema;
  }

  /**
   * The module a v1 path segment names, case-sensitively as v1 was: module_name (`SalesOrders`,
   * `CustomModule1`, `Leads`), `Potentials` → Deals, and Events by api_name (later orgs call it Meetings).
   */
  resolveModule(v1Name: string): ModuleMeta | undefined {
    const direct = this.byModuleName.get(v1Name);
    if (direct) return direct;
    const alias = V1_MODULE_ALIASES[v1Name];
    if (alias) return this.byApiName.get(alias) ?? this.byModuleName.get(alias);
    if (MATCH_BY_API_NAME.has(v1Name)) return this.byApiName.get(v1Name);
    return undefined;
  }

  /** A module by v2 api_name: exact, else case-insensitive (v2 paths match case-insensitively). */
  module(apiName: string): ModuleMeta | undefined {
    return this.byApiName.get(apiName) ?? this.byApiNameLower.get(apiName.toLowerCase());
  }

  modules(): ModuleMeta[] {
    return [...this.byApiName.values()];
  }
}

/** The per-module facts of docs/PROTOCOL.md §9.7 live with the v2 wire; re-exported for the core's users. */
export { isStandardModule, duplicateCheckField, mandatoryFields, hasNoUpsert, INVENTORY_MODULES, APPROVAL_MODULES } from '../v2/modules.js';
