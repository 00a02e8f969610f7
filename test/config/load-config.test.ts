/** src/config.ts: defaults, JSON and YAML files, every environment override, and ConfigErrors that name the option. */
import { DEFAULT_LABEL_MATCHING } from '../../src/mapping/fields.js';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configProblems, loadConfig, parseConfig, type ZbridgeConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { legacyErrorOf } from '../../src/mapping/results.js';

const SHA = 'a'.repeat(64);
/** SHA-256 of 'legacy-token-1', the token of `profile()`. */
const LEGACY_TOKEN_1_SHA = createHash('sha256').update('legacy-token-1').digest('hex');
const profile = (extra: Record<string, unknown> = {}) => ({
  name: 'main',
  authtokens: ['legacy-token-1'],
  clientId: '1000.CLIENT',
  clientSecret: 'client-secret-value',
  refreshToken: '1000.refresh.value',
  ...extra,
});
const ZOHO_ENV = { ZOHO_CLIENT_ID: '1000.ENVCLIENT', ZOHO_CLIENT_SECRET: 'env-secret', ZOHO_REFRESH_TOKEN: '1000.env.refresh' };

/** The ConfigError thrown by `fn`; fails the test when it throws nothing or something else. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'zbridge-config-')), name);
  writeFileSync(path, text);
  return path;
}

describe('parseConfig defaults', () => {
  it('an empty document is a complete sandbox configuration', () => {
    const config = parseConfig({});
    expect(config).toEqual({
      port: 8080,
      host: '0.0.0.0',
      trustProxy: [],
      admin: { host: '127.0.0.1' },
      upstream: 'sandbox',
      sandbox: { port: 0, authtokens: [], lookupPolicy: {}, labelOverrides: {}, resendInsertsAfter: [], jsonKeyOrder: 'java7' },
      profiles: [],
      journal: { dir: '.zbridge/journal', maxFileBytes: 64 * 1024 * 1024, values: 'full', readRecords: false },
      limits: { maxBodyBytes: 5 * 1024 * 1024, maxXmlDepth: 8, maxHeaderBytes: 96 * 1024, maxDiscardBytes: 16 * 1024 * 1024, headersTimeoutMs: 20_000, requestTimeoutMs: 60_000, idleTimeoutMs: 5_000 },
      metadata: { ttlSeconds: 600, lookupCacheSeconds: 300, recentRecordsSeconds: 600 },
      tokenStore: { kind: 'memory', path: '.zbridge/tokens.json' },
      state: { kind: 'memory', keyPrefix: 'zbridge:', slotLeaseMs: 15_000, lockLeaseMs: 30_000, commandTimeoutMs: 2000 },
      compat: { honourDoubleQuestionMark: true, fullTriggerOnWorkflow: false, unknownIdRowCode: '4425', emptyParameterIsAbsent: true, labelMatching: DEFAULT_LABEL_MATCHING, legacyZeros: false, customLookupIds: 'label-id' },
      logLevel: 'info',
      shutdownGraceMs: 30_000,
    } satisfies ZbridgeConfig);
    expect(parseConfig(undefined)).toEqual(config);
    expect(parseConfig(null)).toEqual(config);
  });

  it('fills every profile default', () => {
    const [p] = parseConfig({ upstream: 'zoho', profiles: [profile()] }).profiles;
    expect(p).toEqual({
      ...profile(),
      authtokenSha256: [],
      dc: 'us',
      concurrency: 10,
      maxQueue: 1000,
      requestTimeoutMs: 30_000,
      maxRetries: 4,
      resendInsertsAfter: [],
      jsonContentType: 'jsonp',
      jsonKeyOrder: 'java7',
      labelOverrides: {},
      lookupPolicy: {},
    });
  });

  it('does not change the document it was given', () => {
    const doc = { profiles: [profile()], journal: { maxFileBytes: 10 } };
    const before = structuredClone(doc);
    const config = parseConfig(doc, { ZBRIDGE_AUTHTOKENS: 'x', ZBRIDGE_JOURNAL_DIR: '/j', ZBRIDGE_UPSTREAM: 'zoho', PORT: '1' });
    expect(config.profiles[0].authtokens).toEqual(['x']);
    expect(doc).toEqual(before);
  });
});

describe('loadConfig files', () => {
  const options = {
    port: 9090,
    upstream: 'zoho',
    profiles: [profile({ dc: 'eu', timeZone: 'Europe/Berlin', authtokenSha256: [`sha256:${SHA}`], creditsPerDay: 5000 })],
    journal: { dir: '/var/lib/zbridge' },
    compat: { unknownIdRowCode: '401.2' },
  };

  it('reads JSON', () => {
    const config = loadConfig(file('zbridge.json', JSON.stringify(options)), {});
    expect(config.port).toBe(9090);
    expect(config.profiles[0]).toMatchObject({ dc: 'eu', timeZone: 'Europe/Berlin', creditsPerDay: 5000 });
    expect(config.journal).toEqual({ dir: '/var/lib/zbridge', maxFileBytes: 64 * 1024 * 1024, values: 'full', readRecords: false });
    expect(config.compat.unknownIdRowCode).toBe('401.2');
  });

  it.each(['zbridge.yaml', 'zbridge.yml', 'ZBRIDGE.YAML'])('reads YAML (%s) to the same result', (name) => {
    const yaml = [
      'port: 9090',
      'upstream: zoho',
      'profiles:',
      '  - name: main',
      '    authtokens: [legacy-token-1]',
      `    authtokenSha256: ["sha256:${SHA}"]`,
      '    clientId: "1000.CLIENT"',
      '    clientSecret: client-secret-value',
      '    refreshToken: "1000.refresh.value"',
      '    dc: eu',
      '    timeZone: Europe/Berlin',
      '    creditsPerDay: 5000',
      'journal:',
      '  dir: /var/lib/zbridge',
      'compat:',
      '  unknownIdRowCode: "401.2"',
      '',
    ].join('\n');
    expect(loadConfig(file(name, yaml), {})).toEqual(loadConfig(file('zbridge.json', JSON.stringify(options)), {}));
  });

  it('an empty YAML file is the defaults; no file at all too', () => {
    expect(loadConfig(file('empty.yaml', ''), {})).toEqual(parseConfig({}));
    expect(loadConfig(undefined, {})).toEqual(parseConfig({}));
  });

  it('applies the environment on top of the file', () => {
    const config = loadConfig(file('c.json', JSON.stringify({ port: 1, host: '127.0.0.1' })), { PORT: '2' });
    expect(config).toMatchObject({ port: 2, host: '127.0.0.1' });
  });

  it('a missing file, bad JSON or bad YAML is a ConfigError on --config', () => {
    const missing = configError(() => loadConfig(join(tmpdir(), 'no-such-dir-zbridge', 'c.json'), {}));
    expect(missing.option).toBe('--config');
    expect(missing.message).toContain('ENOENT');
    const json = configError(() => loadConfig(file('c.json', '{"port": 1,'), {}));
    expect(json.option).toBe('--config');
    expect(json.message).toMatch(/not valid JSON/);
    const yaml = configError(() => loadConfig(file('c.yaml', 'port: [1,\n  host'), {}));
    expect(yaml.option).toBe('--config');
  });

  it.each([
    ['zbridge.yaml', 'profiles:\n  - name: erp\n    refreshToken: 1000.0123456789abcdef0123456789abcdef.fedcba9876543210fedcba: x\n', /line 3, column \d+/],
    ['zbridge.yaml', 'profiles:\n  - name: erp\n    clientSecret: "0123456789abcdef0123456789abcdef\n', /line \d+, column \d+/],
    ['zbridge.json', '{"profiles": [{"name": "erp",\n "refreshToken": 1000.0123456789abcdef0123456789abcdef}]}', /line 2, column \d+/],
    ['zbridge.json', '{"profiles": [{"name": "erp",\n "clientSecret": "0123456789abcdef0123456789abcdef" x}]}', /line 2, column \d+/],
  ])('a syntax error in %s names line and column, never the text of the line', (name, text, where) => {
    const error = configError(() => loadConfig(file(name, text), {}));
    expect(error.option).toBe('--config');
    expect(error.message).toMatch(where);
    expect(error.message).not.toMatch(/0123456789abcdef|1000\.|refreshToken|clientSecret/);
  });

  it('an unknown key that looks like a pasted secret is not printed whole', () => {
    const secret = '1000.0123456789abcdef0123456789abcdef.fedcba9876543210fedcba9876543210';
    const error = configError(() => parseConfig({ [secret]: 1 }));
    expect(error.message).not.toContain(secret);
  });

  it('a file whose document is not a mapping is a ConfigError, also with env overrides', () => {
    expect(configError(() => loadConfig(file('c.yaml', 'just a string\n'), {})).option).toBe('(root)');
    expect(configError(() => loadConfig(file('c.yaml', 'just a string\n'), { PORT: '1', HOST: 'h' })).option).toBe('(root)');
    expect(configError(() => loadConfig(file('c.json', '[1, 2]'), { ZBRIDGE_JOURNAL_DIR: '' })).option).toBe('(root)');
  });
});

describe('environment overrides', () => {
  // A bad value from a variable is named by the variable (README's environment table), the option it sets after it.
  const BAD_VALUES: [Record<string, string>, Record<string, unknown>, string, string][] = [
    [{ PORT: '70000' }, {}, 'PORT', 'port'],
    [{ ZBRIDGE_ADMIN_PORT: '65536' }, {}, 'ZBRIDGE_ADMIN_PORT', 'admin.port'],
    [{ ZBRIDGE_UPSTREAM: 'live' }, {}, 'ZBRIDGE_UPSTREAM', 'upstream'],
    [{ ZBRIDGE_LOG_LEVEL: 'loud' }, {}, 'ZBRIDGE_LOG_LEVEL', 'logLevel'],
    [{ ZBRIDGE_REDIS_URL: 'redis://h:6379' }, {}, 'ZBRIDGE_REDIS_URL', 'state.kind'],
    [{ ...ZOHO_ENV, ZOHO_DC: 'mars', ZBRIDGE_AUTHTOKENS: 't' }, {}, 'ZOHO_DC', 'profiles[0].dc'],
    [{ ...ZOHO_ENV, ZOHO_TIME_ZONE: 'Mars/Olympus', ZBRIDGE_AUTHTOKENS: 't' }, {}, 'ZOHO_TIME_ZONE', 'profiles[0].timeZone'],
    [{ ZBRIDGE_AUTHTOKENS: 'tok' }, { profiles: [profile()], upstream: 'zoho', port: 99999 }, 'port', ''],
  ];
  it.each(BAD_VALUES)('%j over %j names %s', (env, doc, option, sets) => {
    const { problems } = configProblems(doc, env);
    expect(problems.map((p) => p.option)).toEqual([option]);
    if (sets) expect(problems[0].message).toMatch(new RegExp(`\\(${option} sets ${sets.replace(/[[\].]/g, '\\$&')}\\)$`));
    else expect(problems[0].message).not.toMatch(/ sets /);
  });

  it('PORT and HOST', () => {
    expect(parseConfig({ port: 1 }, { PORT: '8443', HOST: '::1' })).toMatchObject({ port: 8443, host: '::1' });
    expect(parseConfig({ port: 1 }, { PORT: '' }).port).toBe(1); // empty = unset
    expect(configError(() => parseConfig({}, { PORT: 'http' })).option).toBe('PORT');
    expect(configError(() => parseConfig({}, { PORT: '-1' })).option).toBe('PORT');
    expect(configError(() => parseConfig({}, { PORT: '8080.5' })).option).toBe('PORT');
    expect(configError(() => parseConfig({}, { PORT: '70000' })).option).toBe('PORT');
  });

  it('ZBRIDGE_JOURNAL_DIR, also "" (journal off), keeping the other journal options', () => {
    const doc = { journal: { maxFileBytes: 1024 } };
    expect(parseConfig(doc, { ZBRIDGE_JOURNAL_DIR: '/tmp/j' }).journal).toEqual({ dir: '/tmp/j', maxFileBytes: 1024, values: 'full', readRecords: false });
    expect(parseConfig(doc, { ZBRIDGE_JOURNAL_DIR: '' }).journal).toEqual({ dir: '', maxFileBytes: 1024, values: 'full', readRecords: false });
    expect(parseConfig(doc, {}).journal.dir).toBe('.zbridge/journal');
  });

  it('ZBRIDGE_UPSTREAM', () => {
    expect(parseConfig({}, { ZBRIDGE_UPSTREAM: 'sandbox' }).upstream).toBe('sandbox');
    expect(parseConfig({ upstream: 'sandbox', profiles: [profile()] }, { ZBRIDGE_UPSTREAM: 'zoho' }).upstream).toBe('zoho');
    expect(configError(() => parseConfig({}, { ZBRIDGE_UPSTREAM: 'zoho' })).option).toBe('profiles'); // no profile
    expect(configError(() => parseConfig({}, { ZBRIDGE_UPSTREAM: 'prod' })).option).toBe('ZBRIDGE_UPSTREAM');
  });

  it('ZBRIDGE_LOG_LEVEL and ZBRIDGE_SANDBOX_DATA', () => {
    const config = parseConfig({ sandbox: { port: 7000 } }, { ZBRIDGE_LOG_LEVEL: 'debug', ZBRIDGE_SANDBOX_DATA: '/tmp/sb.json' });
    expect(config.logLevel).toBe('debug');
    expect(config.sandbox).toEqual({ port: 7000, dataFile: '/tmp/sb.json', authtokens: [], lookupPolicy: {}, labelOverrides: {}, resendInsertsAfter: [], jsonKeyOrder: 'java7' });
    expect(configError(() => parseConfig({}, { ZBRIDGE_LOG_LEVEL: 'loud' })).option).toBe('ZBRIDGE_LOG_LEVEL');
  });

  it('ZBRIDGE_REDIS_URL selects shared state on that URL; ZBRIDGE_REPLICA_ID names the replica', () => {
    const config = parseConfig({ state: { keyPrefix: 'crm:' } }, { ...ZOHO_ENV, ZBRIDGE_AUTHTOKENS: 'tok1', ZBRIDGE_REDIS_URL: 'redis://:pw@10.0.0.5:6379/2', ZBRIDGE_REPLICA_ID: 'proxy-b' });
    expect(config.state).toEqual({ kind: 'redis', url: 'redis://:pw@10.0.0.5:6379/2', keyPrefix: 'crm:', slotLeaseMs: 15_000, lockLeaseMs: 30_000, commandTimeoutMs: 2000 });
    expect(config.replicaId).toBe('proxy-b');
    expect(parseConfig({}).state.kind).toBe('memory');
  });

  describe('ZBRIDGE_AUTHTOKENS', () => {
    it('with no profile: the sandbox tokens (comma list, blanks dropped)', () => {
      const config = parseConfig({ sandbox: { port: 1 } }, { ZBRIDGE_AUTHTOKENS: ' tok1 , tok2,,' });
      expect(config.sandbox).toEqual({ port: 1, authtokens: ['tok1', 'tok2'], lookupPolicy: {}, labelOverrides: {}, resendInsertsAfter: [], jsonKeyOrder: 'java7' });
      expect(config.profiles).toEqual([]);
    });

    it('with one profile: that profile\'s tokens (replacing the file\'s)', () => {
      const config = parseConfig({ profiles: [profile()] }, { ZBRIDGE_AUTHTOKENS: 'tokA,tokB' });
      expect(config.profiles[0].authtokens).toEqual(['tokA', 'tokB']);
      expect(config.sandbox.authtokens).toEqual([]);
    });

    it('with two profiles: ambiguous, a ConfigError', () => {
      const doc = { profiles: [profile(), profile({ name: 'second', authtokens: ['legacy-token-2'] })] };
      const error = configError(() => parseConfig(doc, { ZBRIDGE_AUTHTOKENS: 'tok' }));
      expect(error.option).toBe('ZBRIDGE_AUTHTOKENS');
      expect(error.message).toMatch(/several profiles/);
      expect(parseConfig(doc, {}).profiles).toHaveLength(2); // fine without the variable
    });

    it('gives the ZOHO_* profile its legacy tokens', () => {
      const config = parseConfig({}, { ...ZOHO_ENV, ZBRIDGE_AUTHTOKENS: 'tokEnv' });
      expect(config.profiles).toHaveLength(1);
      expect(config.profiles[0]).toMatchObject({ name: 'env', authtokens: ['tokEnv'] });
    });
  });

  describe('the ZOHO_* profile', () => {
    it('adds a profile named "env" and selects upstream zoho', () => {
      const config = parseConfig({}, { ...ZOHO_ENV, ZOHO_DC: 'eu', ZOHO_TIME_ZONE: 'Asia/Kolkata', ZBRIDGE_AUTHTOKENS: 't' });
      expect(config.upstream).toBe('zoho');
      expect(config.profiles[0]).toMatchObject({
        name: 'env',
        clientId: '1000.ENVCLIENT',
        clientSecret: 'env-secret',
        refreshToken: '1000.env.refresh',
        dc: 'eu',
        timeZone: 'Asia/Kolkata',
      });
    });

    it('an explicit upstream wins: the file\'s, then ZBRIDGE_UPSTREAM', () => {
      const env = { ...ZOHO_ENV, ZBRIDGE_AUTHTOKENS: 't' };
      expect(parseConfig({ upstream: 'sandbox' }, env).upstream).toBe('sandbox');
      expect(parseConfig({}, { ...env, ZBRIDGE_UPSTREAM: 'sandbox' }).upstream).toBe('sandbox');
    });

    it('is added after the file\'s profiles', () => {
      const doc = { profiles: [profile({ authtokens: ['x'] })] };
      // The env profile has no legacy token of its own (ZBRIDGE_AUTHTOKENS is ambiguous with two profiles).
      const error = configError(() => parseConfig(doc, { ...ZOHO_ENV }));
      expect(error.option).toBe('ZBRIDGE_AUTHTOKENS');
      expect(error.message).toMatch(/the config file has profiles too/);
    });

    it('a partial set of variables names the missing one', () => {
      const error = configError(() => parseConfig({}, { ZOHO_CLIENT_ID: '1000.X', ZBRIDGE_AUTHTOKENS: 't' }));
      expect(error.option).toBe('ZOHO_CLIENT_SECRET');
    });

    it('bad ZOHO_DC / ZOHO_TIME_ZONE name the variable (and the option it sets), never a secret', () => {
      const dc = configError(() => parseConfig({}, { ...ZOHO_ENV, ZBRIDGE_AUTHTOKENS: 't', ZOHO_DC: 'mars' }));
      expect([dc.option, dc.message]).toEqual(['ZOHO_DC', expect.stringMatching(/\(ZOHO_DC sets profiles\[0\]\.dc\)$/)]);
      const tz = configError(() => parseConfig({}, { ...ZOHO_ENV, ZBRIDGE_AUTHTOKENS: 't', ZOHO_TIME_ZONE: 'Mars/Olympus' }));
      expect([tz.option, tz.message]).toEqual(['ZOHO_TIME_ZONE', expect.stringMatching(/\(ZOHO_TIME_ZONE sets profiles\[0\]\.timeZone\)$/)]);
      for (const e of [dc, tz]) {
        for (const secret of Object.values(ZOHO_ENV)) expect(e.message).not.toContain(secret);
      }
    });

    it('a profile named "env" in the file beside it: the env profile can have no authtoken, ZBRIDGE_AUTHTOKENS is named', () => {
      const error = configError(() => parseConfig({ profiles: [profile({ name: 'env' })] }, { ...ZOHO_ENV }));
      expect(error.option).toBe('ZBRIDGE_AUTHTOKENS');
    });

    // Every partial set of the three credential variables (unset or empty), and the full set without authtokens:
    // each missing variable is named as README's environment table names it, never a profiles[…] path.
    const CREDENTIALS = ['ZOHO_CLIENT_ID', 'ZOHO_CLIENT_SECRET', 'ZOHO_REFRESH_TOKEN'] as const;
    const partial = [1, 2, 3, 4, 5, 6].map((mask) => CREDENTIALS.filter((_, i) => mask & (1 << i)));
    const cases: [string, Record<string, string>, string[]][] = [
      ...partial.map((set): [string, Record<string, string>, string[]] => [
        `${set.join(' + ')} set`,
        { ...Object.fromEntries(set.map((v) => [v, ZOHO_ENV[v]])), ZBRIDGE_AUTHTOKENS: 't' },
        CREDENTIALS.filter((v) => !set.includes(v)),
      ]),
      ...CREDENTIALS.map((v): [string, Record<string, string>, string[]] => [`${v} empty`, { ...ZOHO_ENV, [v]: '', ZBRIDGE_AUTHTOKENS: 't' }, [v]]),
      ['all three, no ZBRIDGE_AUTHTOKENS', { ...ZOHO_ENV }, ['ZBRIDGE_AUTHTOKENS']],
    ];
    it.each(cases)('%s: names %j', (_name, env, missing) => {
      const { config, problems } = configProblems({}, env);
      expect(config).toBeUndefined();
      expect(problems.map((p) => p.option)).toEqual(missing);
      const set = CREDENTIALS.filter((v) => env[v]);
      for (const p of problems) {
        expect(p.message).toMatch(/^not set/);
        expect(p.message).toContain(`${set.join(', ')} add${set.length === 1 ? 's' : ''} the credential profile "env"`);
        if (env[p.option] === '') expect(p.message).toMatch(/^not set \(empty\)/);
        for (const secret of Object.values(ZOHO_ENV)) expect(p.message).not.toContain(secret);
      }
    });
  });
});

describe('bad values: a ConfigError naming the option path', () => {
  const cases: [string, unknown, string][] = [
    ['root not an object', 'text', '(root)'],
    ['unknown top-level option', { prot: 1 }, 'prot'],
    ['port as a string', { port: '8080' }, 'port'],
    ['port out of range', { port: 65536 }, 'port'],
    ['upstream', { upstream: 'live' }, 'upstream'],
    ['sandbox port', { sandbox: { port: -1 } }, 'sandbox.port'],
    ['unknown sandbox option', { sandbox: { dataFil: 'x' } }, 'sandbox.dataFil'],
    ['empty sandbox authtoken', { sandbox: { authtokens: [''] } }, 'sandbox.authtokens[0]'],
    ['journal not an object', { journal: 'off' }, 'journal'],
    ['journal maxFileBytes', { journal: { maxFileBytes: 0 } }, 'journal.maxFileBytes'],
    ['limits maxXmlDepth', { limits: { maxXmlDepth: 2.5 } }, 'limits.maxXmlDepth'],
    ['metadata ttl', { metadata: { ttlSeconds: -5 } }, 'metadata.ttlSeconds'],
    ['note parent modules', { metadata: { noteParentModules: 'Leads' } }, 'metadata.noteParentModules'],
    ['token store kind', { tokenStore: { kind: 'redis' } }, 'tokenStore.kind'],
    ['state kind', { state: { kind: 'etcd' } }, 'state.kind'],
    ['state redis without url', { state: { kind: 'redis' } }, 'state.url'],
    ['state url not redis', { state: { kind: 'redis', url: 'http://127.0.0.1:6379' } }, 'state.url'],
    ['state slot lease too short', { state: { slotLeaseMs: 10 } }, 'state.slotLeaseMs'],
    // Breaker finding 18: each process's embedded emulator is its own org; shared state across them cross-links.
    ['state redis with upstream sandbox (default)', { state: { kind: 'redis', url: 'redis://127.0.0.1:6379' } }, 'state.kind'],
    ['state redis with upstream sandbox (explicit)', { upstream: 'sandbox', state: { kind: 'redis', url: 'redis://127.0.0.1:6379' } }, 'state.kind'],
    ['state redis with upstream sandbox next to profiles', { upstream: 'sandbox', profiles: [profile()], state: { kind: 'redis', url: 'redis://127.0.0.1:6379' } }, 'state.kind'],
    ['unknown state option', { state: { ttl: 1 } }, 'state.ttl'],
    ['replica id with a slash', { replicaId: 'a/b' }, 'replicaId'],
    ['replica id starting with a dot', { replicaId: '..' }, 'replicaId'],
    ['compat flag', { compat: { honourDoubleQuestionMark: 'yes' } }, 'compat.honourDoubleQuestionMark'],
    ['compat row code', { compat: { unknownIdRowCode: 4425 } }, 'compat.unknownIdRowCode'],
    ['compat lookup ids', { compat: { customLookupIds: 'both' } }, 'compat.customLookupIds'],
    ['journal readRecords', { journal: { readRecords: 'yes' } }, 'journal.readRecords'],
    ['log level', { logLevel: 'verbose' }, 'logLevel'],
    ['shutdown grace', { shutdownGraceMs: 0 }, 'shutdownGraceMs'],
    ['profiles not a list', { profiles: { main: profile() } }, 'profiles'],
    ['zoho without profiles', { upstream: 'zoho' }, 'profiles'],
    ['profile without name', { profiles: [profile({ name: '' })] }, 'profiles[0].name'],
    ['profile without client id', { profiles: [profile({ clientId: undefined })] }, 'profiles[0].clientId'],
    ['profile secret not a string', { profiles: [profile({ clientSecret: 42 })] }, 'profiles[0].clientSecret'],
    ['unknown profile option', { profiles: [profile({ refresh_token: 'x' })] }, 'profiles[0].refresh_token'],
    ['no legacy token', { profiles: [profile({ authtokens: [] })] }, 'profiles[0].authtokens'],
    ['bad sha256', { profiles: [profile({ authtokenSha256: ['abc'] })] }, 'profiles[0].authtokenSha256[0]'],
    ['data centre', { profiles: [profile({ dc: 'uk' })] }, 'profiles[0].dc'],
    ['accountsUrl not a URL', { profiles: [profile({ accountsUrl: 'accounts.zoho.eu' })] }, 'profiles[0].accountsUrl'],
    ['apiDomain not http(s)', { profiles: [profile({ apiDomain: 'ftp://www.zohoapis.eu' })] }, 'profiles[0].apiDomain'],
    ['apiDomain with a query', { profiles: [profile({ apiDomain: 'https://www.zohoapis.eu/?x=1' })] }, 'profiles[0].apiDomain'],
    ['time zone', { profiles: [profile({ timeZone: 'CEST' })] }, 'profiles[0].timeZone'],
    ['concurrency', { profiles: [profile({ concurrency: 0 })] }, 'profiles[0].concurrency'],
    ['maxQueue', { profiles: [profile({ maxQueue: 1.5 })] }, 'profiles[0].maxQueue'],
    ['requestTimeoutMs', { profiles: [profile({ requestTimeoutMs: '30s' })] }, 'profiles[0].requestTimeoutMs'],
    ['maxRetries', { profiles: [profile({ maxRetries: -1 })] }, 'profiles[0].maxRetries'],
    ['creditsPerDay', { profiles: [profile({ creditsPerDay: 0 })] }, 'profiles[0].creditsPerDay'],
    ['jsonContentType', { profiles: [profile({ jsonContentType: 'text' })] }, 'profiles[0].jsonContentType'],
    ['labelOverrides', { profiles: [profile({ labelOverrides: { Leads: { 'First Name': 1 } } })] }, 'profiles[0].labelOverrides.Leads.First Name'],
    ['lookupPolicy', { profiles: [profile({ lookupPolicy: { Accounts: 'ignore' } })] }, 'profiles[0].lookupPolicy.Accounts'],
    ['second profile', { profiles: [profile(), profile({ name: 'b', dc: 'mars' })] }, 'profiles[1].dc'],
    ['duplicate profile name', { profiles: [profile(), profile()] }, 'profiles[1].name'],
    // An authtoken selects one profile (breaker finding 7): the same token in two profiles, in any spelling.
    ['same clear authtoken in two profiles', { profiles: [profile(), profile({ name: 'b' })] }, 'profiles[1].authtokens[0]'],
    [
      'clear authtoken in one profile, its digest in another',
      { profiles: [profile(), profile({ name: 'b', authtokens: [], authtokenSha256: [LEGACY_TOKEN_1_SHA] })] },
      'profiles[1].authtokenSha256[0]',
    ],
    [
      'digest first (sha256: prefix, upper case), clear token later',
      { profiles: [profile({ authtokens: [], authtokenSha256: [`sha256:${LEGACY_TOKEN_1_SHA.toUpperCase()}`] }), profile({ name: 'b', authtokens: ['other', 'legacy-token-1'] })] },
      'profiles[1].authtokens[1]',
    ],
    ['same digest in two profiles', { profiles: [profile({ authtokenSha256: [SHA] }), profile({ name: 'b', authtokens: [], authtokenSha256: [SHA] })] }, 'profiles[1].authtokenSha256[0]'],
    [
      'third profile repeats the first',
      { profiles: [profile(), profile({ name: 'b', authtokens: ['t-b'] }), profile({ name: 'c', authtokens: ['t-c', 'legacy-token-1'] })] },
      'profiles[2].authtokens[1]',
    ],
  ];

  it.each(cases)('%s', (_label, doc, option) => {
    const error = configError(() => parseConfig(doc, {}));
    expect(error.option).toBe(option);
    expect(error.message.startsWith(`config: ${option}: `)).toBe(true);
    expect(legacyErrorOf(error).code).toBe('4500');
    expect(error.message).not.toContain('client-secret-value');
    expect(error.message).not.toContain('1000.refresh.value');
  });

  it('the same authtoken twice in one profile, and distinct tokens across profiles, are accepted', () => {
    expect(parseConfig({ profiles: [profile({ authtokens: ['legacy-token-1', 'legacy-token-1'], authtokenSha256: [LEGACY_TOKEN_1_SHA] })] }).profiles).toHaveLength(1);
    expect(parseConfig({ profiles: [profile(), profile({ name: 'b', authtokens: ['legacy-token-2'], authtokenSha256: [SHA] })] }).profiles).toHaveLength(2);
  });

  it('a shared authtoken names both places and never the token', () => {
    const error = configError(() => parseConfig({ profiles: [profile({ name: 'a' }), profile({ name: 'b' })] }));
    expect(error.message).toBe('config: profiles[1].authtokens[0]: the same authtoken as profiles[0].authtokens[0] (profile "a"): an authtoken selects one profile');
    expect(error.message).not.toContain('legacy-token-1');
  });

  it('an env override does not hide a malformed section of the file', () => {
    expect(configError(() => parseConfig({ journal: 'off' }, { ZBRIDGE_JOURNAL_DIR: '/j' })).option).toBe('journal');
    expect(configError(() => parseConfig({ sandbox: ['x'] }, { ZBRIDGE_SANDBOX_DATA: '/d' })).option).toBe('sandbox');
    expect(configError(() => parseConfig({ sandbox: 1 }, { ZBRIDGE_AUTHTOKENS: 't' })).option).toBe('sandbox');
    expect(configError(() => parseConfig({ profiles: { a: 1 } }, { ...ZOHO_ENV })).option).toBe('profiles');
    expect(configError(() => parseConfig({ profiles: ['main'] }, { ZBRIDGE_AUTHTOKENS: 't' })).option).toBe('profiles[0]');
  });

  it('accepts the good variants of the URL, time-zone and sha256 options', () => {
    const [p] = parseConfig({
      profiles: [
        profile({
          accountsUrl: 'http://127.0.0.1:4000',
          apiDomain: 'https://sandbox.zohoapis.com/',
          timeZone: 'America/Los_Angeles',
          authtokens: [],
          authtokenSha256: [SHA.toUpperCase(), `sha256:${SHA}`],
        }),
      ],
    }).profiles;
    expect(p.accountsUrl).toBe('http://127.0.0.1:4000');
    expect(p.apiDomain).toBe('https://sandbox.zohoapis.com/');
  });
});
