/**
 * zbridge's public API (package.json `main`): everything the `zbridge` command does, callable from code.
 *
 *   import { loadConfig, startProxy } from 'zbridge';
 *   const proxy = await startProxy(loadConfig('zbridge.yaml'));   // … await proxy.close();
 *
 * Deeper modules are implementation detail; what is exported here is what the project keeps stable.
 */

/* ---------------------------------------------------------------- the proxy and its configuration */
export { startProxy, type RunningProxy, type StartProxyOptions } from './server/index.js';
export { loadConfig, parseConfig, configSchema, type ZbridgeConfig, type ProfileConfig } from './config.js';

/* ---------------------------------------------------------------- the v2 sandbox */
export { startSandbox, DEMO_CLIENT, type RunningSandbox, type SandboxOptions, type SandboxFaults } from './sandbox/index.js';

/* ---------------------------------------------------------------- offline tools (the CLI's commands) */
export { runConvert, type ConvertOptions, type ConvertResult } from './convert/convert.js';
export { runReplay, type ReplayOptions, type ReplaySummary, type ReplayClient } from './convert/replay.js';
export { runMetadataPull, pullMetadata, type MetadataPullOptions } from './convert/metadata-pull.js';
export { runReport, type ReportOptions } from './report/run.js';
export { processIO, EXIT, type CommandIO } from './inputs/io.js';
export { loadSchema } from './inputs/schema.js';
export { main as runCli, buildProgram } from './cli.js';

/* ---------------------------------------------------------------- translation (pure) */
export {
  translateCall,
  prepareCall,
  planPrepared,
  checkCall,
  TRANSLATED_METHODS,
  isTranslatedMethod,
  type Translation,
  type TranslateContext,
  type CallRejection,
  type CallCategory,
} from './mapping/translate.js';
export { toLegacyResult, legacyAnswer, legacyErrorFor, legacyErrorOf, type LegacyRowCode } from './mapping/results.js';
export { Schema } from './mapping/schema.js';
export type { V2Plan, MappingWarning, FieldTrace, PlannedRow } from './mapping/types.js';
export type { MappingOptions } from './mapping/fields.js';
export { parseLegacyRequest, parseLegacyUrlLine } from './legacy/request.js';
export { parseXmlData, renderXmlData } from './legacy/xmldata.js';
export { renderLegacyResponse } from './legacy/response.js';
export type { LegacyCall, LegacyResult } from './legacy/types.js';
export type { LegacyError } from './legacy/errors.js';

/* ---------------------------------------------------------------- the v2 client */
export { ZohoClient, type ZohoClientOptions } from './zoho/client.js';
export type { ZohoProfile } from './zoho/types.js';
export type { V2Request, V2Outcome, V2Record, V2Operation } from './v2/types.js';
export { stringifyV2, DecimalLiteral } from './v2/json.js';
export { bundledSnapshot, loadMetadataDir, type MetadataSnapshot } from './v2/snapshot.js';

/* ---------------------------------------------------------------- errors */
export { ZbridgeError, LegacyRequestError, UpstreamError, ConfigError, type FailureReason, type FaultSide } from './errors.js';
