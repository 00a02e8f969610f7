/**
 * The v1 API's method names (the last path segment of `/crm/private/{fmt}/{Module}/{method}`), as documented for
 * the CRM v1 API. Used to bound metric label values: a method outside this list is counted as `other`.
 */
export const V1_METHODS: ReadonlySet<string> = new Set([
  'insertRecords', 'updateRecords', 'getRecords', 'getRecordById', 'getMyRecords', 'searchRecords',
  'getSearchRecords', 'getSearchRecordsByPDC', 'deleteRecords', 'getRelatedRecords', 'updateRelatedRecords',
  'getFields', 'getUsers', 'uploadFile', 'downloadFile', 'deleteFile', 'uploadPhoto', 'downloadPhoto', 'deletePhoto',
  'convertLead', 'getDeletedRecordIds', 'getModules', 'delink', 'getNotes', 'insertNotes', 'getCVRecords',
  'getSearchRecordsByPDC', 'getRecordsByPDC', 'updateMultipleRecords', 'getAllRecords',
]);
