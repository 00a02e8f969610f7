/**
 * Per-module facts of docs/PROTOCOL.md §9.7 the emulator needs, taken from the single table of the v2 layer
 * (src/v2/modules.ts) so the bridge and its test double cannot disagree. Layout-mandatory extras (Leads
 * `Company`) are a sandbox option, added by the write engine.
 */
import { duplicateCheckField, hasNoUpsert, mandatoryFields } from '../v2/modules.js';

export { LINE_ITEM_FIELDS } from '../v2/modules.js';

/** Mandatory api_names on insert; custom modules need `Name`. */
export function mandatoryFieldsOf(moduleApiName: string): string[] {
  return mandatoryFields(moduleApiName);
}

/** The system duplicate-check field; custom modules use `Name`; activities and Notes have none. */
export function duplicateCheckFieldOf(moduleApiName: string): string | undefined {
  return duplicateCheckField(moduleApiName);
}

/** Modules without a v2 upsert (seed 000): Tasks, Events, Calls, Notes. */
export function supportsUpsert(moduleApiName: string): boolean {
  return !hasNoUpsert(moduleApiName);
}
