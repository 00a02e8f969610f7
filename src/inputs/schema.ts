/** The Schema the offline tools (convert, report, replay) translate with: a metadata directory or the bundled snapshot. */
import { Schema } from '../mapping/schema.js';
import { relatedListsOf, type RelatedListDef } from '../v2/related-lists.js';
import { bundledSnapshot, loadMetadataDir } from '../v2/snapshot.js';

/**
 * Schema from a metadata directory in the snapshot format (`zbridge metadata pull --out DIR`), or the bundled
 * snapshot when `metadataDir` is absent. Throws an Error naming the file when the directory is unreadable.
 */
export function loadSchema(metadataDir?: string): Schema {
  if (!metadataDir) return Schema.bundled();
  const snap = loadMetadataDir(metadataDir);
  return Schema.fromMetadata(snap.modules, snap.fields);
}

/** The user ids of a metadata directory's users.json, or of the bundled snapshot when `metadataDir` is absent. */
export function loadUserIds(metadataDir?: string): Set<string> {
  const users = metadataDir ? loadMetadataDir(metadataDir).users : bundledSnapshot().users;
  return new Set(users.map((u) => u.id));
}

/**
 * The related lists of a parent module (v2 api_name) as the metadata directory (or the bundled snapshot) derives
 * them (v2/related-lists.ts): what offline tools plan updateRelatedRecords and delink against.
 */
export function loadRelatedLists(metadataDir?: string): (parent: string) => RelatedListDef[] {
  const snap = metadataDir ? loadMetadataDir(metadataDir) : bundledSnapshot();
  return (parent) => relatedListsOf(parent, snap.modules, snap.fields);
}
