/**
 * Who may call what (PROTOCOL.md §9.4): OAuth scopes of the access token (OAUTH_SCOPE_MISMATCH, 401) and the
 * CRM profile of the token's user (NO_PERMISSION, 403).
 *
 * Scopes follow the v2 documents: `ZohoCRM.modules.ALL` or `ZohoCRM.modules.{module}.{operation}` with module
 * the lower-case api_name without underscores (`salesorders`, `pricebooks`; `custom` for custom modules) and
 * operation ALL, READ, CREATE, UPDATE, WRITE (create + update + delete) or DELETE; `ZohoCRM.settings.ALL` /
 * `ZohoCRM.settings.{fields|modules|layouts|related_lists}.READ`; `ZohoCRM.users.ALL` / `.READ`. Case-insensitive.
 * An upsert needs CREATE and UPDATE (or WRITE / ALL).
 */
import type { SandboxUser } from './metadata.js';

export type Operation = 'READ' | 'CREATE' | 'UPDATE' | 'DELETE';

/** What one request needs. `module` is the api_name for module calls. */
export type Need =
  | { kind: 'module'; module: string; custom: boolean; operations: Operation[] }
  | { kind: 'settings'; resource: string }
  | { kind: 'users' };

/** Every scope the sandbox grants by default (what the bridge's setup documents). */
export const DEFAULT_SCOPES = ['ZohoCRM.modules.ALL', 'ZohoCRM.settings.ALL', 'ZohoCRM.users.ALL', 'ZohoCRM.org.ALL'];

/** `Sales_Orders` → `salesorders`, custom modules → `custom`. */
export function scopeModuleName(moduleApi: string, custom: boolean): string {
  return custom ? 'custom' : moduleApi.replace(/_/g, '').toLowerCase();
}

/** True when `scopes` grant everything `need` asks for. */
export function scopesAllow(scopes: readonly string[], need: Need): boolean {
  const granted = new Set(scopes.map((s) => s.trim().toLowerCase()));
  if (need.kind === 'users') return granted.has('zohocrm.users.all') || granted.has('zohocrm.users.read');
  if (need.kind === 'settings') {
    return granted.has('zohocrm.settings.all') || granted.has(`zohocrm.settings.${need.resource}.read`) || granted.has(`zohocrm.settings.${need.resource}.all`);
  }
  if (granted.has('zohocrm.modules.all')) return true;
  const m = scopeModuleName(need.module, need.custom);
  const has = (op: string): boolean => granted.has(`zohocrm.modules.${m}.${op}`);
  if (has('all')) return true;
  return need.operations.every((op) => has(op.toLowerCase()) || (op !== 'READ' && has('write')));
}

/**
 * Per CRM profile name: for each module api_name listed, the operations the profile may perform. Modules not
 * listed are unrestricted; profiles not listed are unrestricted.
 */
export type ProfilePermissions = Record<string, Record<string, Operation[]>>;

const PERMISSION_WORD: Record<Operation, string> = { READ: 'View', CREATE: 'Create', UPDATE: 'Edit', DELETE: 'Delete' };

/** The `Crm_Implied_{View|Create|Edit|Delete}_{Module}` permissions the user's profile lacks (empty: allowed). */
export function missingPermissions(permissions: ProfilePermissions, user: SandboxUser, need: Need): string[] {
  if (need.kind !== 'module') return [];
  const profile = (user.json as { profile?: { name?: string } }).profile?.name;
  const allowed = profile === undefined ? undefined : permissions[profile]?.[need.module];
  if (allowed === undefined) return [];
  return need.operations.filter((op) => !allowed.includes(op)).map((op) => `Crm_Implied_${PERMISSION_WORD[op]}_${need.module}`);
}
