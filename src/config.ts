/**
 * One typed, validated configuration: a file (`--config`, JSON or YAML) plus environment overrides.
 * Every option has a documented default (README "Configuration"). A bad value stops start-up with a
 * ConfigError naming the option path, e.g. `config: profiles[0].dc: Invalid option: expected one of "us"|"eu"…`.
 * Defaults and enums are taken from the modules that own them (PROFILE_DEFAULTS, DATA_CENTRES, …), never restated.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import proxyaddr from 'proxy-addr';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { DEFAULT_LOOKUP_CACHE_MS, DEFAULT_RECENT_RECORDS_MS, LOOKUP_POLICIES } from './bridge/resolve.js';
import { DEFAULT_JOURNAL_FILE_BYTES } from './journal/file-journal.js';
import { JOURNAL_VALUES } from './journal/values.js';
import { DEFAULT_XMLDATA_LIMITS } from './legacy/xmldata.js';
import { JSON_CONTENT_TYPES, JSON_KEY_ORDERS } from './legacy/response.js';
import { DEFAULT_LABEL_MATCHING, UNKNOWN_ID_ROW_CODES } from './mapping/fields.js';
import { isValidTimeZone } from './v2/time.js';
import { DATA_CENTRE_NAMES } from './zoho/dc.js';
import { DEFAULT_METADATA_TTL_MS } from './zoho/metadata.js';
import { PROFILE_DEFAULTS } from './zoho/types.js';

const TRUST_PROXY_MESSAGE = 'expected an IP address, a CIDR range (10.0.0.0/8, fd00::/8) or one of loopback, linklocal, uniquelocal';
/** proxy-addr's own check of a trusted-proxy entry (the library that resolves the client address with it). */
function trustProxyProblem(entry: string): string | undefined {
  try {
    proxyaddr.compile(entry);
    return undefined;
  } catch {
    return TRUST_PROXY_MESSAGE;
  }
}

const timeZone = z.string().refine(isValidTimeZone, { message: 'not an IANA time zone known to this Node.js' });
const positiveInt = z.number().int().positive();
const SHA256_HEX = /^(sha256:)?[0-9a-f]{64}$/i;
/** A base URL as src/zoho/dc.ts accepts it: absolute http(s), no query or fragment. */
const baseUrl = z
  .url({ protocol: /^https?$/, error: 'expected an absolute http(s) URL' })
  .refine((u) => !/[?#]/.test(u), { message: 'must not have a query or fragment' });

/** A credential profile's options; `profileSchema` adds what the proxy needs of it (legacy authtokens). */
const profileFields = z
  .object({
    /** Profile name: shows in journals, logs and metrics. */
    name: z.string().min(1),
    /** Legacy authtokens accepted for this profile, in clear (compared in constant time). */
    authtokens: z.array(z.string().min(1)).default([]),
    /** Or their SHA-256 hex digests (`sha256:` prefix optional), so the config file holds no usable token. */
    authtokenSha256: z.array(z.string().regex(SHA256_HEX, 'expected 64 hex digits')).default([]),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    refreshToken: z.string().min(1),
    dc: z.enum(DATA_CENTRE_NAMES).default(DATA_CENTRE_NAMES[0]),
    /** Explicit accounts server / API domain (sandbox or developer orgs); win over `dc`. */
    accountsUrl: baseUrl.optional(),
    apiDomain: baseUrl.optional(),
    /** API user's IANA zone; default: users?type=CurrentUser, else the v2 wall clock. */
    timeZone: timeZone.optional(),
    concurrency: positiveInt.default(PROFILE_DEFAULTS.concurrency),
    maxQueue: positiveInt.default(PROFILE_DEFAULTS.maxQueue),
    requestTimeoutMs: positiveInt.default(PROFILE_DEFAULTS.requestTimeoutMs),
    maxRetries: z.number().int().min(0).default(PROFILE_DEFAULTS.maxRetries),
    /** Longest idle time of a pooled v2 connection, ms (a shorter server `Keep-Alive: timeout` wins). @default 3000 */
    keepAliveIdleMs: positiveInt.optional(),
    creditsPerDay: positiveInt.optional(),
    /** Stop after a credits-exhausted 429 that names no reset time, ms (default 1 hour). */
    creditsPauseMs: positiveInt.optional(),
    /** Refusals of a sent insert trusted as "not applied" and resent: `429`, `401` (default none: in doubt). */
    resendInsertsAfter: z.array(z.enum(['429', '401'])).default([]),
    /** JSON answers: `application/jsonp` as Zoho sent (default) or `application/json`. */
    jsonContentType: z.enum(JSON_CONTENT_TYPES).default(JSON_CONTENT_TYPES[0]),
    /** JSON key order: `java7` as the 2015 US servers (default) or `java8` as the 2016 .com.cn servers (PROTOCOL-READS §14). */
    jsonKeyOrder: z.enum(JSON_KEY_ORDERS).default(JSON_KEY_ORDERS[0]),
    /** v1 label → v2 api_name overrides, per v2 module api_name. */
    labelOverrides: z.record(z.string(), z.record(z.string(), z.string())).default({}),
    /** Lookups given by name that match no or several records, per target module: skip (default), error, create. */
    lookupPolicy: z.record(z.string(), z.enum(LOOKUP_POLICIES)).default({}),
  })
  .strict();

/** A profile the proxy serves: it accepts legacy calls, so it needs at least one authtoken. */
const profileSchema = profileFields.refine((p) => p.authtokens.length + p.authtokenSha256.length > 0, {
  message: 'needs at least one of authtokens / authtokenSha256',
  path: ['authtokens'],
});

/** The configuration schema with `profile` as the schema of each profile (see ConfigUse). */
const configSchemaOf = (profile: typeof profileFields) => z
  .object({
    /** Proxy listen port (env PORT). */
    port: z.number().int().min(0).max(65535).default(8080),
    /** Proxy listen address (env HOST). */
    host: z.string().default('0.0.0.0'),
    /**
     * Load balancers / reverse proxies whose `X-Forwarded-For` is believed (env ZBRIDGE_TRUST_PROXY, comma list):
     * IP addresses, CIDR ranges, or `loopback` / `linklocal` / `uniquelocal`. The client address (access line
     * `remote`, journal `client.address`, the report's integrations) is then resolved as express's `trust proxy`
     * does (server/client-address.ts). @default [] — the header is never trusted: the socket's peer address.
     */
    trustProxy: z
      .array(z.string().refine((entry) => trustProxyProblem(entry) === undefined, { message: TRUST_PROXY_MESSAGE }))
      .default([]),
    /**
     * Separate listener for /healthz, /readyz and /metrics (env ZBRIDGE_ADMIN_PORT). When `port` is set they
     * leave the proxy port. @default no admin listener; host 127.0.0.1 (loopback only)
     */
    admin: z
      .object({
        port: z.number().int().min(0).max(65535).optional(),
        host: z.string().default('127.0.0.1'),
      })
      .strict()
      .default({ host: '127.0.0.1' }),
    /** `sandbox`: embedded emulator on a loopback port; `zoho`: the configured profiles' data centres. */
    upstream: z.enum(['sandbox', 'zoho']).default('sandbox'),
    sandbox: z
      .object({
        /** Loopback port of the embedded sandbox; 0 = any free port. */
        port: z.number().int().min(0).max(65535).default(0),
        /** Persist sandbox records here across restarts. */
        dataFile: z.string().optional(),
        /** v2 metadata directory to serve instead of the bundled snapshot. */
        metadataDir: z.string().optional(),
        /** Legacy authtokens accepted in sandbox mode (env ZBRIDGE_AUTHTOKENS); empty = one random token per start. */
        authtokens: z.array(z.string().min(1)).default([]),
        /** The sandbox profile's lookupPolicy and labelOverrides (as for a Zoho profile). */
        lookupPolicy: z.record(z.string(), z.enum(LOOKUP_POLICIES)).default({}),
        labelOverrides: z.record(z.string(), z.record(z.string(), z.string())).default({}),
        /** As `profiles[].resendInsertsAfter`, for the sandbox profile. */
        resendInsertsAfter: z.array(z.enum(['429', '401'])).default([]),
        /** As `profiles[].jsonKeyOrder`, for the sandbox profile. */
        jsonKeyOrder: z.enum(JSON_KEY_ORDERS).default(JSON_KEY_ORDERS[0]),
      })
      .strict()
      .default({ port: 0, authtokens: [], lookupPolicy: {}, labelOverrides: {}, resendInsertsAfter: [], jsonKeyOrder: JSON_KEY_ORDERS[0] }),
    /** Credential profiles (required with upstream "zoho"; generated in sandbox mode). */
    profiles: z.array(profile).default([]),
    journal: z
      .object({
        /** Directory of the JSONL journal; `""` disables it. */
        dir: z.string().default('.zbridge/journal'),
        maxFileBytes: positiveInt.default(DEFAULT_JOURNAL_FILE_BYTES),
        /** Keep at most this many journal files, oldest deleted first (journal/retention.ts). @default unlimited */
        maxFiles: positiveInt.optional(),
        /** Delete journal files whose last line is older than this many days. @default unlimited */
        maxAgeDays: z.number().positive().optional(),
        /** Record data kept on disk: full (replay needs it), hashed, none (journal/values.ts). @default 'full' */
        values: z.enum(JOURNAL_VALUES).default(JOURNAL_VALUES[0]),
        /** Journal the v1 rows read calls answered (record data); off: only method, parameters, v2 calls, row count. @default false */
        readRecords: z.boolean().default(false),
      })
      .strict()
      .default({ dir: '.zbridge/journal', maxFileBytes: DEFAULT_JOURNAL_FILE_BYTES, values: JOURNAL_VALUES[0], readRecords: false }),
    limits: z
      .object({
        /** Largest request body accepted (bytes); beyond → 4600 "xmlData". */
        maxBodyBytes: positiveInt.default(DEFAULT_XMLDATA_LIMITS.maxBytes),
        /** Deepest XML nesting accepted in xmlData. */
        maxXmlDepth: positiveInt.default(DEFAULT_XMLDATA_LIMITS.maxDepth),
        /** Largest request line + headers (bytes); a 100-row GET insert is ~40 KB. Beyond → 4600 "xmlData". */
        maxHeaderBytes: positiveInt.default(96 * 1024),
        /** An oversize body is read and discarded up to this many bytes before the 4600 answer (then the connection closes). */
        maxDiscardBytes: positiveInt.default(16 * 1024 * 1024),
        /** Time allowed for the request line and headers (ms). */
        headersTimeoutMs: positiveInt.default(20_000),
        /** Time allowed for the whole request, body included (ms); an unfinished upload is dropped. */
        requestTimeoutMs: positiveInt.default(60_000),
        /** How long an idle keep-alive connection stays open (ms). */
        idleTimeoutMs: positiveInt.default(5_000),
      })
      .strict()
      .default({
        maxBodyBytes: DEFAULT_XMLDATA_LIMITS.maxBytes,
        maxXmlDepth: DEFAULT_XMLDATA_LIMITS.maxDepth,
        maxHeaderBytes: 96 * 1024,
        maxDiscardBytes: 16 * 1024 * 1024,
        headersTimeoutMs: 20_000,
        requestTimeoutMs: 60_000,
        idleTimeoutMs: 5_000,
      }),
    metadata: z
      .object({
        /** How long live /settings metadata and users are cached. */
        ttlSeconds: positiveInt.default(DEFAULT_METADATA_TTL_MS / 1000),
        /** Snapshot used when the live metadata cannot be fetched (default: bundled). */
        snapshotDir: z.string().optional(),
        /** Modules probed, in order, to find the parent of a Notes entityId. */
        noteParentModules: z.array(z.string()).optional(),
        /** How long name → id lookup resolutions are cached. */
        lookupCacheSeconds: positiveInt.default(DEFAULT_LOOKUP_CACHE_MS / 1000),
        /**
         * How long records written or found through this deployment are remembered by duplicate-check value and
         * name, for duplicateCheck=1 and lookups by name while v2 search does not show them yet (index lag,
         * PROTOCOL-READS §6.3). 0 turns the memory off. @default 600
         */
        recentRecordsSeconds: z.number().int().min(0).default(DEFAULT_RECENT_RECORDS_MS / 1000),
      })
      .strict()
      .default({
        ttlSeconds: DEFAULT_METADATA_TTL_MS / 1000,
        lookupCacheSeconds: DEFAULT_LOOKUP_CACHE_MS / 1000,
        recentRecordsSeconds: DEFAULT_RECENT_RECORDS_MS / 1000,
      }),
    tokenStore: z
      .object({
        /** Where OAuth access tokens are cached: memory, or a 0600 file shared by processes on one host. */
        kind: z.enum(['memory', 'file']).default('memory'),
        path: z.string().default('.zbridge/tokens.json'),
      })
      .strict()
      .default({ kind: 'memory', path: '.zbridge/tokens.json' }),
    /**
     * What replicas share (tokens, concurrency slots, credits, caches, duplicate-check locks): `memory` keeps it in
     * this process; `redis` shares it through one Redis (env ZBRIDGE_REDIS_URL sets kind redis and the url).
     */
    state: z
      .object({
        kind: z.enum(['memory', 'redis']).default('memory'),
        /** `redis://[:password@]host:port[/db]` or `rediss://…`; required with kind redis. */
        url: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL').optional(),
        /** Prefix of every Redis key: deployments sharing one Redis need different prefixes. */
        keyPrefix: z.string().min(1).default('zbridge:'),
        /** Lease of a concurrency slot (renewed every third of it while held): a dead replica's slots free after it. */
        slotLeaseMs: z.number().int().min(300).default(15_000),
        /** Lease of a duplicate-check lock, renewed likewise. */
        lockLeaseMs: z.number().int().min(300).default(30_000),
        /** A Redis command not answered within this fails the call (4500). */
        commandTimeoutMs: positiveInt.default(2000),
      })
      .strict()
      .refine((s) => s.kind !== 'redis' || s.url !== undefined, { message: 'state.kind "redis" needs state.url (or env ZBRIDGE_REDIS_URL)', path: ['url'] })
      .default({ kind: 'memory', keyPrefix: 'zbridge:', slotLeaseMs: 15_000, lockLeaseMs: 30_000, commandTimeoutMs: 2000 }),
    /** This replica's name: its journal subdirectory with state "redis", its slot ids and logs (env ZBRIDGE_REPLICA_ID). Default: the host name. */
    replicaId: z.string().regex(/^[\w.-]{1,64}$/, 'expected 1-64 characters of letters, digits, _ . -').refine((v) => !v.startsWith('.'), { message: 'must not start with a dot' }).optional(),
    compat: z
      .object({
        /** Honour `??duplicateCheck=1` as `duplicateCheck` (a servlet would ignore it). */
        honourDoubleQuestionMark: z.boolean().default(true),
        /** wfTrigger=true → ["workflow","approval","blueprint"] instead of ["workflow"]. */
        fullTriggerOnWorkflow: z.boolean().default(false),
        /** version=4 update row with an unknown id: 4425 (observed) or 401.2. */
        unknownIdRowCode: z.enum(UNKNOWN_ID_ROW_CODES).default(UNKNOWN_ID_ROW_CODES[0]),
        /** A boolean/enumerated write or action parameter sent empty (`wfTrigger=`, a convertLead option) counts as absent; false = 4600 naming it. */
        emptyParameterIsAbsent: z.boolean().default(true),
        /**
         * FL labels: `exact` (v1: a label that differs from the field label in case or spacing is dropped with a
         * warning) or `case-insensitive` (case and whitespace ignored).
         */
        labelMatching: z.enum(['exact', 'case-insensitive']).default(DEFAULT_LABEL_MATCHING),
        /** Reads: v2 null in standard numeric/boolean fields printed as 0/false, as v1 showed never-set fields. @default false */
        legacyZeros: z.boolean().default(false),
        /** Reads: custom lookups as `{Label}_ID` + `{Label}` (label-id) or by name alone (name-only). @default 'label-id' */
        customLookupIds: z.enum(['label-id', 'name-only']).default('label-id'),
      })
      .strict()
      .default({
        honourDoubleQuestionMark: true,
        fullTriggerOnWorkflow: false,
        unknownIdRowCode: UNKNOWN_ID_ROW_CODES[0],
        emptyParameterIsAbsent: true,
        labelMatching: DEFAULT_LABEL_MATCHING,
        legacyZeros: false,
        customLookupIds: 'label-id',
      }),
    /** pino level: fatal, error, warn, info, debug, trace, silent. */
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Milliseconds SIGTERM waits for in-flight calls before exiting anyway. */
    shutdownGraceMs: positiveInt.default(30_000),
  })
  .strict();

/** The configuration of `zbridge serve` (and config check, healthcheck): every profile accepts legacy authtokens. */
export const configSchema = configSchemaOf(profileSchema);
/** The configuration of the commands that only call v2 (replay, metadata pull): authtokens are not needed. */
const v2ClientConfigSchema = configSchemaOf(profileFields);

/**
 * What a configuration is loaded for: `proxy` (serve, config check, healthcheck: each profile needs legacy
 * authtokens, env ZBRIDGE_AUTHTOKENS for the env profile) or `v2-client` (replay, metadata pull: they never accept
 * a legacy call, so a profile without authtokens is valid). @default 'proxy'
 */
export type ConfigUse = 'proxy' | 'v2-client';

export type ZbridgeConfig = z.infer<typeof configSchema>;
export type ProfileConfig = z.infer<typeof profileSchema>;

/** One problem of a configuration: the option path (`profiles[0].dc`, `--config`, `ZBRIDGE_ADMIN_PORT`) and what is wrong. */
export interface ConfigProblem {
  option: string;
  message: string;
}

const problemOf = (error: ConfigError): ConfigProblem => ({ option: error.option, message: error.message.slice(`config: ${error.option}: `.length) });

/**
 * Every problem of a config document (already decoded) with env overrides applied, in document order, and the
 * configuration when there is none. `zbridge config check` prints them all; parseConfig throws the first.
 */
export function configProblems(input: unknown, env: NodeJS.ProcessEnv = {}, use: ConfigUse = 'proxy'): ConfigProblems {
  if (!isObject(input ?? {})) {
    return { problems: [{ option: '(root)', message: `expected an object of options, got ${Array.isArray(input) ? 'an array' : typeof input}` }], fromEnv: (p) => p };
  }
  const origins: EnvOrigins = new Map();
  const fromEnv = (problem: ConfigProblem): ConfigProblem => namedByEnv(problem, origins, env);
  let doc: Record<string, unknown>;
  try {
    doc = applyEnv(structuredClone((input ?? {}) as Record<string, unknown>), env, origins);
  } catch (error) {
    if (error instanceof ConfigError) return { problems: [problemOf(error)], fromEnv };
    throw error;
  }
  const { config, problems } = documentProblems(doc, use);
  return { ...(config ? { config } : {}), problems: problems.map(fromEnv), fromEnv };
}

/**
 * What configProblems finds. `fromEnv` names a problem of an option an environment variable set by that
 * variable (as README's environment table does), for checks made later on the configuration (config check's
 * file-system checks): `admin.port` set by ZBRIDGE_ADMIN_PORT becomes `ZBRIDGE_ADMIN_PORT`.
 */
export interface ConfigProblems {
  config?: ZbridgeConfig;
  problems: ConfigProblem[];
  fromEnv: (problem: ConfigProblem) => ConfigProblem;
}

/** Problems of a document with the environment already applied, named by option path. */
function documentProblems(doc: Record<string, unknown>, use: ConfigUse): { config?: ZbridgeConfig; problems: ConfigProblem[] } {
  const result = (use === 'v2-client' ? v2ClientConfigSchema : configSchema).safeParse(doc);
  if (!result.success) {
    const cap = (k: PropertyKey | undefined) => (typeof k === 'string' && k.length > 40 ? `${k.slice(0, 12)}…` : k);
    const problems = result.error.issues.flatMap((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
      // A key is named, but capped: a mis-indented secret can be read as a key (zod would quote it whole).
      return keys.map((key) => ({
        option: formatPath((key === undefined ? issue.path : [...issue.path, key]).map((k) => cap(k) as PropertyKey)) || '(root)',
        message: key === undefined ? issue.message : 'unknown option',
      }));
    });
    return { problems };
  }
  const config = result.data;
  const problems: ConfigProblem[] = [];
  if (config.upstream === 'zoho' && config.profiles.length === 0) {
    problems.push({ option: 'profiles', message: 'upstream "zoho" needs at least one credential profile' });
  }
  if (config.upstream === 'sandbox' && config.state.kind === 'redis') {
    // Each process's embedded emulator is an org of its own: replicas sharing lookups, locks and the attachment
    // map across them would link records of one emulator to ids of another.
    problems.push({
      option: 'state.kind',
      message:
        'shared state "redis" (state.kind, or env ZBRIDGE_REDIS_URL) needs upstream "zoho": with upstream "sandbox" every process has its own embedded emulator, a separate org, so replicas would share name → id lookups, locks and attachments across orgs; point the replicas at one org (upstream "zoho", e.g. an external `zbridge sandbox`) or use state.kind "memory"',
    });
  }
  const names = new Set<string>();
  config.profiles.forEach((p, i) => {
    if (names.has(p.name)) problems.push({ option: `profiles[${i}].name`, message: `duplicate profile name "${p.name}"` });
    names.add(p.name);
  });
  problems.push(...sharedAuthtokens(config.profiles));
  return problems.length ? { problems } : { config, problems };
}

/**
 * An authtoken selects one profile (README "Configuration"): the same token in two profiles — in clear in both,
 * or in clear in one and as `authtokenSha256` in the other — is a problem naming both places (never the token).
 * Repeated within one profile it is harmless and accepted.
 */
function sharedAuthtokens(profiles: readonly ProfileConfig[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const firstPlace = new Map<string, { profile: number; option: string }>();
  profiles.forEach((p, i) => {
    const places = [
      ...p.authtokens.map((t, k) => ({ digest: createHash('sha256').update(t, 'utf8').digest('hex'), option: `profiles[${i}].authtokens[${k}]` })),
      ...p.authtokenSha256.map((h, k) => ({ digest: h.replace(/^sha256:/i, '').toLowerCase(), option: `profiles[${i}].authtokenSha256[${k}]` })),
    ];
    for (const { digest, option } of places) {
      const first = firstPlace.get(digest);
      if (!first) firstPlace.set(digest, { profile: i, option });
      else if (first.profile !== i) {
        problems.push({
          option,
          message: `the same authtoken as ${first.option} (profile "${profiles[first.profile].name}"): an authtoken selects one profile`,
        });
      }
    }
  });
  return problems;
}

/**
 * Parse a config document (already decoded) with env overrides applied, for `use` (ConfigUse, @default 'proxy');
 * throws ConfigError (the first problem).
 */
export function parseConfig(input: unknown, env: NodeJS.ProcessEnv = {}, use: ConfigUse = 'proxy'): ZbridgeConfig {
  const { config, problems } = configProblems(input, env, use);
  if (problems.length) throw new ConfigError(problems[0].option, problems[0].message);
  return config!;
}

/** The decoded document of `--config FILE` (JSON, or YAML by extension .yaml/.yml); throws ConfigError. */
export function readConfigDocument(file: string | undefined): unknown {
  let doc: unknown = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError('--config', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const yaml = ['.yaml', '.yml'].includes(extname(file).toLowerCase());
    try {
      doc = yaml ? parseYaml(text) : JSON.parse(text);
    } catch (error) {
      throw new ConfigError('--config', `${file} is not valid ${yaml ? 'YAML' : 'JSON'}: ${syntaxErrorWhere(error, text)}`);
    }
  }
  return doc;
}

/** Read `--config FILE` (JSON, or YAML by extension .yaml/.yml) and apply the environment, for `use` (@default 'proxy'). */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env, use: ConfigUse = 'proxy'): ZbridgeConfig {
  return parseConfig(readConfigDocument(file), env, use);
}

/** Like loadConfig, but every problem instead of the first (`zbridge config check`). */
export function collectConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): ConfigProblems {
  let doc: unknown;
  try {
    doc = readConfigDocument(file);
  } catch (error) {
    if (error instanceof ConfigError) return { problems: [problemOf(error)], fromEnv: (p) => p };
    throw error;
  }
  return configProblems(doc, env);
}

/**
 * Where a JSON or YAML syntax error is, as `line L, column C` plus the parser's error code — never the parser's
 * message, which quotes the offending line (a refresh token or client secret sits on such a line).
 */
export function syntaxErrorWhere(error: unknown, text: string): string {
  const e = error as { linePos?: { line: number; col: number }[]; code?: unknown; message?: unknown };
  if (Array.isArray(e.linePos) && e.linePos[0]) {
    const code = typeof e.code === 'string' && /^[A-Z_]{1,40}$/.test(e.code) ? ` (${e.code})` : '';
    return `syntax error at line ${e.linePos[0].line}, column ${e.linePos[0].col}${code}`;
  }
  const position = /\bposition (\d+)/.exec(String(e.message ?? ''));
  if (position) {
    const offset = Number(position[1]);
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    return `syntax error at line ${line}, column ${column}`;
  }
  return /unexpected end/i.test(String(e.message ?? '')) ? 'syntax error: the text ends too early' : 'syntax error';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `section` with `patch` applied; a section that is not an object is left as is, for the schema to name. */
function patched(section: unknown, patch: Record<string, unknown>): unknown {
  if (section === undefined) return patch;
  return isObject(section) ? { ...section, ...patch } : section;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)),
    '',
  );
}

/**
 * Every environment variable applyEnv reads, in README order: `zbridge config check` lists those set as the
 * overrides in effect (a test checks this list against the source of applyEnv).
 */
export const CONFIG_ENV_VARS = [
  'PORT',
  'HOST',
  'ZBRIDGE_TRUST_PROXY',
  'ZBRIDGE_ADMIN_PORT',
  'ZBRIDGE_UPSTREAM',
  'ZBRIDGE_AUTHTOKENS',
  'ZBRIDGE_JOURNAL_DIR',
  'ZBRIDGE_SANDBOX_DATA',
  'ZBRIDGE_LOG_LEVEL',
  'ZBRIDGE_REDIS_URL',
  'ZBRIDGE_REPLICA_ID',
  'ZOHO_CLIENT_ID',
  'ZOHO_CLIENT_SECRET',
  'ZOHO_REFRESH_TOKEN',
  'ZOHO_DC',
  'ZOHO_TIME_ZONE',
] as const;

/**
 * Environment overrides (README lists them): PORT, HOST, ZBRIDGE_TRUST_PROXY (comma list; "" = none), ZBRIDGE_ADMIN_PORT, ZBRIDGE_UPSTREAM, ZBRIDGE_AUTHTOKENS (comma list:
 * the accepted tokens of the sandbox profile, or of the only profile), ZBRIDGE_JOURNAL_DIR, ZBRIDGE_LOG_LEVEL,
 * ZBRIDGE_REDIS_URL (state kind "redis" with that URL), ZBRIDGE_REPLICA_ID,
 * ZBRIDGE_SANDBOX_DATA, and one profile from ZOHO_CLIENT_ID / ZOHO_CLIENT_SECRET / ZOHO_REFRESH_TOKEN /
 * ZOHO_DC / ZOHO_TIME_ZONE (which also selects upstream "zoho" unless ZBRIDGE_UPSTREAM says otherwise).
 */
function applyEnv(doc: Record<string, unknown>, env: NodeJS.ProcessEnv, origins: EnvOrigins): Record<string, unknown> {
  const int = (name: string, value: string): number => {
    if (!/^\d+$/.test(value)) throw new ConfigError(name, `expected a whole number, got "${value}"`);
    return Number(value);
  };
  const from = (variable: string, ...paths: string[]): void => paths.forEach((path) => origins.set(path, variable));
  if (env.PORT) (doc.port = int('PORT', env.PORT)), from('PORT', 'port');
  if (env.HOST) (doc.host = env.HOST), from('HOST', 'host');
  if (env.ZBRIDGE_TRUST_PROXY !== undefined) {
    (doc.trustProxy = env.ZBRIDGE_TRUST_PROXY.split(',').map((t) => t.trim()).filter(Boolean)), from('ZBRIDGE_TRUST_PROXY', 'trustProxy');
  }
  if (env.ZBRIDGE_ADMIN_PORT) (doc.admin = patched(doc.admin, { port: int('ZBRIDGE_ADMIN_PORT', env.ZBRIDGE_ADMIN_PORT) })), from('ZBRIDGE_ADMIN_PORT', 'admin.port');
  if (env.ZBRIDGE_LOG_LEVEL) (doc.logLevel = env.ZBRIDGE_LOG_LEVEL), from('ZBRIDGE_LOG_LEVEL', 'logLevel');
  if (env.ZBRIDGE_JOURNAL_DIR !== undefined) (doc.journal = patched(doc.journal, { dir: env.ZBRIDGE_JOURNAL_DIR })), from('ZBRIDGE_JOURNAL_DIR', 'journal.dir');
  if (env.ZBRIDGE_REDIS_URL) (doc.state = patched(doc.state, { kind: 'redis', url: env.ZBRIDGE_REDIS_URL })), from('ZBRIDGE_REDIS_URL', 'state.kind', 'state.url');
  if (env.ZBRIDGE_REPLICA_ID) (doc.replicaId = env.ZBRIDGE_REPLICA_ID), from('ZBRIDGE_REPLICA_ID', 'replicaId');
  if (env.ZBRIDGE_SANDBOX_DATA) (doc.sandbox = patched(doc.sandbox, { dataFile: env.ZBRIDGE_SANDBOX_DATA })), from('ZBRIDGE_SANDBOX_DATA', 'sandbox.dataFile');
  // A `profiles` that is not a list stays as it is, so the schema reports it instead of the env replacing it.
  if ((env.ZOHO_CLIENT_ID || env.ZOHO_CLIENT_SECRET || env.ZOHO_REFRESH_TOKEN) && (doc.profiles === undefined || Array.isArray(doc.profiles))) {
    const profiles = (doc.profiles ?? []) as Record<string, unknown>[];
    const at = `profiles[${profiles.length}]`;
    for (const [field, variable] of Object.entries(ENV_PROFILE_FIELDS)) from(variable, `${at}.${field}`);
    profiles.push({
      name: 'env',
      clientId: env.ZOHO_CLIENT_ID,
      clientSecret: env.ZOHO_CLIENT_SECRET,
      refreshToken: env.ZOHO_REFRESH_TOKEN,
      ...(env.ZOHO_DC ? { dc: env.ZOHO_DC } : {}),
      ...(env.ZOHO_TIME_ZONE ? { timeZone: env.ZOHO_TIME_ZONE } : {}),
      authtokens: [],
    });
    doc.profiles = profiles;
    doc.upstream ??= 'zoho';
  }
  if (env.ZBRIDGE_UPSTREAM) (doc.upstream = env.ZBRIDGE_UPSTREAM), from('ZBRIDGE_UPSTREAM', 'upstream');
  if (env.ZBRIDGE_AUTHTOKENS) {
    const tokens = env.ZBRIDGE_AUTHTOKENS.split(',').map((t) => t.trim()).filter(Boolean);
    const profiles = Array.isArray(doc.profiles) ? (doc.profiles as Record<string, unknown>[]) : [];
    if (profiles.length > 1) {
      throw new ConfigError('ZBRIDGE_AUTHTOKENS', 'is ambiguous with several profiles: set authtokens per profile in the config file');
    }
    if (profiles.length === 1) {
      if (isObject(profiles[0])) (profiles[0].authtokens = tokens), from('ZBRIDGE_AUTHTOKENS', 'profiles[0].authtokens');
    } else (doc.sandbox = patched(doc.sandbox, { authtokens: tokens })), from('ZBRIDGE_AUTHTOKENS', 'sandbox.authtokens');
  }
  return doc;
}

/** Option path (as problems name it, `profiles[1].clientSecret`) → the environment variable that set it. */
type EnvOrigins = Map<string, string>;

/** Each option of that profile → its variable (`authtokens` comes from ZBRIDGE_AUTHTOKENS, or nowhere). */
const ENV_PROFILE_FIELDS: Readonly<Record<string, string>> = {
  clientId: 'ZOHO_CLIENT_ID',
  clientSecret: 'ZOHO_CLIENT_SECRET',
  refreshToken: 'ZOHO_REFRESH_TOKEN',
  dc: 'ZOHO_DC',
  timeZone: 'ZOHO_TIME_ZONE',
  authtokens: 'ZBRIDGE_AUTHTOKENS',
};

/**
 * A problem of an option the environment set, named by its variable (the option itself or its closest parent
 * the environment set): `profiles[0].clientSecret: Invalid input …` with only ZOHO_CLIENT_ID set becomes
 * `ZOHO_CLIENT_SECRET: not set: …`. The option path stays in the message for those who read config check's
 * summary. Problems of options the file wrote are returned as they are.
 */
function namedByEnv(problem: ConfigProblem, origins: EnvOrigins, env: NodeJS.ProcessEnv): ConfigProblem {
  for (let path = problem.option; ; ) {
    const variable = origins.get(path);
    if (variable !== undefined) {
      if (!env[variable]) return { option: variable, message: notSet(variable, env, !problem.option.startsWith('profiles[0]')) };
      return { option: variable, message: `${problem.message} (${variable} sets ${problem.option})` };
    }
    const parent = path.replace(/(\.[^.[\]]*|\[\d+\])$/, '');
    if (parent === path || parent === '') return problem;
    path = parent;
  }
}

/** Why a variable the env profile needs is missing, naming the ones that are set (never their values). */
function notSet(variable: string, env: NodeJS.ProcessEnv, fileProfiles: boolean): string {
  const set = ['ZOHO_CLIENT_ID', 'ZOHO_CLIENT_SECRET', 'ZOHO_REFRESH_TOKEN'].filter((v) => env[v]);
  const by = `${set.join(', ')} ${set.length === 1 ? 'adds' : 'add'} the credential profile "env"`;
  if (variable === 'ZBRIDGE_AUTHTOKENS') {
    const hint = fileProfiles ? ' (the config file has profiles too, and ZBRIDGE_AUTHTOKENS is refused with several: put this profile in the file)' : '';
    return `not set: ${by}, which needs the legacy authtokens it accepts${hint}`;
  }
  return `not set${env[variable] === '' ? ' (empty)' : ''}: ${by}, which needs ${variable} too`;
}
