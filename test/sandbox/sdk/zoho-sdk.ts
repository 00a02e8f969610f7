/**
 * Zoho's official v2 Node SDK (`@zohocrm/nodejs-sdk-2.0`, CommonJS) configured for a running sandbox through its
 * documented settings only: a UserSignature, an OAuthBuilder refresh-token token, a FileStore for token
 * persistence, an SDKConfig, a resource path for its field cache, and an Environment whose API domain and
 * accounts URL point at the sandbox. The SDK ships one Environment per Zoho data centre; every one of them is
 * built by the public static `DataCenter.setEnvironment(url, accountsUrl, fileUploadUrl, name)`, which is the
 * override used here (the SDK has no other way to name a host, and `got` speaks plain http to 127.0.0.1).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
/** A module of the SDK by its documented path, e.g. `routes/user_signature`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const sdk = (path: string): any => require(`@zohocrm/nodejs-sdk-2.0/${path}`);

export interface SdkSetup {
  /** The SDK's working directory (token file, field cache, log); removed by `cleanup`. */
  dir: string;
  cleanup(): void;
}

/**
 * Initialise the SDK (a process-wide singleton) against `baseUrl`.
 * @param userEmail the UserSignature (must be a sandbox user, as with Zoho)
 */
export async function initSdk(
  baseUrl: string,
  client: { clientId: string; clientSecret: string; refreshToken: string },
  userEmail: string,
): Promise<SdkSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'zbridge-sdk-'));
  const resources = join(dir, 'resources');
  mkdirSync(resources);
  const tokenFile = join(dir, 'sdk_tokens.txt');
  writeFileSync(tokenFile, '');
  const { UserSignature } = sdk('routes/user_signature');
  const { DataCenter } = sdk('routes/dc/data_center');
  const { OAuthBuilder } = sdk('models/authenticator/oauth_builder');
  const { FileStore } = sdk('models/authenticator/store/file_store');
  const { InitializeBuilder } = sdk('routes/initialize_builder');
  const { SDKConfigBuilder } = sdk('routes/sdk_config_builder');
  const { LogBuilder } = sdk('routes/logger/log_builder');
  const { Levels } = sdk('routes/logger/logger');
  const environment = DataCenter.setEnvironment(baseUrl, `${baseUrl}/oauth/v2/token`, baseUrl, 'zbridge_sandbox');
  const token = new OAuthBuilder()
    .clientId(client.clientId)
    .clientSecret(client.clientSecret)
    .refreshToken(client.refreshToken)
    .build();
  await (await new InitializeBuilder())
    .user(new UserSignature(userEmail))
    .environment(environment)
    .token(token)
    .store(new FileStore(tokenFile))
    .SDKConfig(new SDKConfigBuilder().autoRefreshFields(false).pickListValidation(false).build())
    .resourcePath(resources)
    .logger(new LogBuilder().level(Levels.OFF).filePath(join(dir, 'sdk.log')).build())
    .initialize();
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A field or key value of an SDK object that may be a Choice. */
export const value = (v: unknown): unknown => (v && typeof v === 'object' && 'getValue' in v ? (v as { getValue(): unknown }).getValue() : v);

/** `data[i]` of an SDK ActionWrapper as plain JSON-like objects: {status, code, message, details}. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function actions(response: any): { status: unknown; code: unknown; message: unknown; details: Record<string, unknown> }[] {
  const wrapper = response.getObject();
  if (typeof wrapper.getData !== 'function') throw new Error(`not an ActionWrapper: ${wrapper.constructor.name}`);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return wrapper.getData().map((a: any) => ({
    status: value(a.getStatus()),
    code: value(a.getCode()),
    message: value(a.getMessage()),
    details: Object.fromEntries(a.getDetails() instanceof Map ? a.getDetails() : Object.entries(a.getDetails() ?? {})),
  }));
}
