/**
 * One contract suite per port of bridge/ports.ts, to run against every implementation (Hono style): what the
 * bridge relies on when it logs, counts and authenticates. The server's implementations run them in
 * ports.test.ts; an embedder passing its own Logger, CallMetrics or AuthLookup can run the same suites.
 */
import { expect, it } from 'vitest';
import type { AuthLookup, CallLabels, CallMetrics, Logger } from '../../src/bridge/ports.js';

/** A logger and the lines it wrote so far, each as `{level, msg, …fields}` with level 'info' | 'warn' | 'error'. */
export interface LoggerUnderTest {
  logger: Logger;
  lines(): Promise<Record<string, unknown>[]>;
}

export function loggerContract(make: () => LoggerUnderTest): void {
  it('writes one line per call with its level, message and every field', async () => {
    const { logger, lines } = make();
    logger.info({ reqId: 'r1', module: 'Leads', rows: 2 }, 'access');
    logger.warn({ reqId: 'r2', profile: 'erp', err: 'HTTP 503' }, 'upstream call failed');
    logger.error({ reqId: 'r3', err: 'journal write failed: ENOSPC' }, 'journal write failed');
    const got = await lines();
    expect(got).toHaveLength(3);
    expect(got[0]).toMatchObject({ level: 'info', msg: 'access', reqId: 'r1', module: 'Leads', rows: 2 });
    expect(got[1]).toMatchObject({ level: 'warn', msg: 'upstream call failed', reqId: 'r2', profile: 'erp', err: 'HTTP 503' });
    expect(got[2]).toMatchObject({ level: 'error', msg: 'journal write failed', reqId: 'r3' });
  });

  it('leaves the fields object as it was given (the bridge reuses its facts)', async () => {
    const { logger, lines } = make();
    const fields = { reqId: 'r', nested: { a: 1 }, list: [1, 2] };
    const before = structuredClone(fields);
    logger.warn(fields, 'm');
    await lines();
    expect(fields).toEqual(before);
  });

  it('keeps text as text: quotes, newlines, non-ASCII and very long values arrive unchanged', async () => {
    const { logger, lines } = make();
    const err = `a "quoted"\nline — é 中 😀 ${'x'.repeat(10_000)}`;
    logger.error({ err }, 'bridge failure');
    const [line] = await lines();
    expect(line.err).toBe(err);
  });
}

/** A CallMetrics and a reader of its `calls` counter (0 for a label set never counted). */
export interface CallMetricsUnderTest {
  metrics: CallMetrics;
  callCount(labels: CallLabels): Promise<number>;
  /** The value of a CounterPort series (rows, unsupported, inDoubt) with these labels. */
  counterValue(counter: 'rows' | 'unsupported' | 'inDoubt', labels: Record<string, string>): Promise<number>;
}

export function callMetricsContract(make: () => CallMetricsUnderTest): void {
  it('countCall counts once under the labels it returns; callLabels gives the same labels without counting', async () => {
    const { metrics, callCount } = make();
    const labels = metrics.callLabels('Leads', 'insertRecords', '2000');
    expect(labels).toEqual({ module: 'Leads', method: 'insertRecords', code: '2000' });
    expect(await callCount(labels)).toBe(0);
    expect(metrics.countCall('Leads', 'insertRecords', '2000')).toEqual(labels);
    metrics.countCall('Leads', 'insertRecords', '2000');
    expect(await callCount(labels)).toBe(2);
    expect(metrics.callLabels('Leads', 'insertRecords', '2000')).toEqual(labels);
    expect(await callCount(labels)).toBe(2);
  });

  it.each([
    ['a read', 'Contacts', 'getRecords', '4422'],
    ['an error with a decimal code', 'Leads', 'updateRecords', '4832.1'],
    ['a v2 api name as module', 'Price_Books', 'insertRecords', '2000'],
  ])('names the v1 words of %s as they are', (_what, module, method, code) => {
    const { metrics } = make();
    expect(metrics.countCall(module, method, code)).toEqual({ module, method, code });
  });

  it('bounds what clients choose: 500 random modules, methods and codes mint a handful of label values', () => {
    const { metrics } = make();
    const seen = { module: new Set<string>(), method: new Set<string>(), code: new Set<string>() };
    for (let i = 0; i < 500; i++) {
      const labels = metrics.countCall(`Junk${i}<x>`, `doThing${i}`, `c${i}`);
      seen.module.add(labels.module);
      seen.method.add(labels.method);
      seen.code.add(labels.code);
    }
    for (const values of Object.values(seen)) expect(values.size).toBeLessThanOrEqual(2);
  });

  it('a module made known by an authenticated call is named from then on', () => {
    const { metrics } = make();
    if (!metrics.knowModule) return; // optional part of the port
    metrics.knowModule('CustomModule7');
    expect(metrics.callLabels('CustomModule7', 'insertRecords', '2000').module).toBe('CustomModule7');
  });

  it('rows, unsupported and inDoubt count with the labels the bridge gives, by 1 or by a value', async () => {
    const { metrics, counterValue } = make();
    metrics.rows.inc({ module: 'Leads', code: '2000' });
    metrics.rows.inc({ module: 'Leads', code: '2000' }, 3);
    metrics.unsupported.inc({ method: 'getCVRecords' });
    metrics.inDoubt.inc({ profile: 'erp' });
    expect(await counterValue('rows', { module: 'Leads', code: '2000' })).toBe(4);
    expect(await counterValue('unsupported', { method: 'getCVRecords' })).toBe(1);
    expect(await counterValue('inDoubt', { profile: 'erp' })).toBe(1);
  });
}

/** An AuthLookup that accepts exactly these tokens, each for its profile. */
export type MakeAuthLookup = (accepted: { profile: string; token: string }[]) => AuthLookup;

export function authLookupContract(make: MakeAuthLookup): void {
  const TOKEN_A = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const TOKEN_B = 'ffeeddccbbaa00998877665544332211';

  it('selects the profile of each accepted token', () => {
    const auth = make([{ profile: 'erp', token: TOKEN_A }, { profile: 'shop', token: TOKEN_B }]);
    expect(auth.lookup(TOKEN_A)).toBe('erp');
    expect(auth.lookup(TOKEN_B)).toBe('shop');
  });

  it('accepts several tokens for one profile', () => {
    const auth = make([{ profile: 'erp', token: TOKEN_A }, { profile: 'erp', token: TOKEN_B }]);
    expect(auth.lookup(TOKEN_A)).toBe('erp');
    expect(auth.lookup(TOKEN_B)).toBe('erp');
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['unknown', '00000000000000000000000000000000'],
    ['a prefix', TOKEN_A.slice(0, -1)],
    ['one character longer', `${TOKEN_A}0`],
    ['upper-cased', TOKEN_A.toUpperCase()],
    ['with a space around it', ` ${TOKEN_A}`],
    ['another profile name', 'erp'],
  ])('selects nothing for a %s token', (_what, token) => {
    const auth = make([{ profile: 'erp', token: TOKEN_A }]);
    expect(auth.lookup(token)).toBeUndefined();
  });

  it('accepts nothing when no token is configured', () => {
    expect(make([]).lookup(TOKEN_A)).toBeUndefined();
  });

  // isAccepted (optional) scrubs path segments; an implementation may skip hashing what cannot be a token, but
  // must answer as lookup does for tokens of any length, also with several lengths configured.
  it.each([
    ['a 32-hex token', TOKEN_A, true],
    ['a short token of another shape', 'shop-key-9', true],
    ['a long opaque token', 'x'.repeat(57), true],
    ['a method name', 'getRecordById', false],
    ['a candidate of an accepted length', 'y'.repeat(57), false],
    ['an accepted token one character shorter', TOKEN_A.slice(1), false],
    ['an empty candidate', '', false],
  ])('isAccepted: %s → %s', (_what, candidate, accepted) => {
    const auth = make([{ profile: 'erp', token: TOKEN_A }, { profile: 'shop', token: 'shop-key-9' }, { profile: 'erp', token: 'x'.repeat(57) }]);
    const answer = auth.isAccepted ? auth.isAccepted(candidate) : auth.lookup(candidate) !== undefined;
    expect(answer).toBe(accepted);
    expect(answer).toBe(auth.lookup(candidate) !== undefined);
  });
}
