/**
 * The v1 spelling of every request parameter the bridge reads, for reads, writes and actions alike (PROTOCOL §2,
 * §5; PROTOCOL-READS §2, §5–§13): one table, so a 4600 names `"fromIndex"` or `"wfTrigger"` as the v1 docs
 * and clients spell them, whatever case the request used. Parameters are matched case-insensitively (LegacyCall
 * keys are lower-cased).
 */
export const V1_PARAMETER_NAMES: readonly string[] = [
  // every call
  'authtoken',
  'scope',
  // writes (insertRecords, updateRecords)
  'xmlData',
  'wfTrigger',
  'isApproval',
  'duplicateCheck',
  'newFormat',
  'version',
  'id',
  'larId',
  // reads
  'selectColumns',
  'fromIndex',
  'toIndex',
  'sortColumnString',
  'sortOrderString',
  'lastModifiedTime',
  'idlist',
  'criteria',
  'searchCondition',
  'searchColumn',
  'searchValue',
  'parentModule',
  'type',
  // actions (related records, convertLead, files)
  'relatedModule',
  'relatedId',
  'leadId',
  'content',
  'attachmentUrl',
  'recordId',
  'parentId',
  // refused authentication schemes, still named in their v1 spelling
  'ticket',
  'apikey',
];

const BY_LOWER = new Map(V1_PARAMETER_NAMES.map((name) => [name.toLowerCase(), name]));

/** The v1 spelling of a parameter name given in any case (`fromindex` → `fromIndex`); undefined when unknown. */
export function v1ParameterName(name: string): string | undefined {
  return BY_LOWER.get(name.toLowerCase());
}
