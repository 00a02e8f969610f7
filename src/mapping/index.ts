/** The translation core: legacy rows → v2 plan → legacy result. Pure: no HTTP, clock or files (except the bundled snapshot loader). */
export { Schema, duplicateCheckField, mandatoryFields, isStandardModule, hasNoUpsert, INVENTORY_MODULES, APPROVAL_MODULES, fieldMetaFromJson } from './schema.js';
export { resolveLabel, classifyField, lineItemField, resolveLineItemLabel, type FieldTarget, type LineItemTarget, type MappingOptions } from './fields.js';
export { v1Label, selfIdLabels, isModuleOwnerLabel } from './modules.js';
export { convertValue, convertDate, convertDecimal, isIdLike, isEmailLike, jsonTypeOf, type Converted } from './values.js';
export { DecimalLiteral, stringifyV2, decimalValue } from '../v2/json.js';
export { planCall, resolutionRequests, settledRefusal, rowFailure, lookupKey, MAX_ROWS, type PlanContext, type Resolutions, type ResolutionRequests } from './plan.js';
export { toLegacyResult, recordDetailsFromV2, createdIds, type ResultContext } from './results.js';
export { loadMetadataDir, bundledSnapshot, type MetadataSnapshot } from '../v2/snapshot.js';
export * from './types.js';
