import { describe, expect, it } from 'vitest';
import { rateLimitKind } from '../../src/zoho/rate-limit.js';

const concurrencyBody = { code: 'TOO_MANY_REQUESTS', details: {}, message: 'Many requests fired in concurrent than the allowed limit', status: 'error' };
const creditsBody = { code: 'TOO_MANY_REQUESTS', details: {}, message: 'API credits exhausted for the rolling 24-hour window', status: 'error' };

describe('rateLimitKind', () => {
  it.each([
    ['day remaining 0', { 'x-ratelimit-day-remaining': '0' }, concurrencyBody, 'credits'],
    ['credits remaining 0', { 'x-api-credits-remaining': ' 0 ' }, undefined, 'credits'],
    ['day remaining 5 (a concurrency 429 on a day with credits left)', { 'x-ratelimit-day-remaining': '5', 'x-ratelimit-remaining': '0' }, concurrencyBody, 'concurrency'],
    ['no headers, credits message', {}, creditsBody, 'credits'],
    ['no headers, concurrency message', {}, concurrencyBody, 'concurrency'],
    ['no headers, no body', {}, undefined, 'concurrency'],
    ['a garbage header value', { 'x-ratelimit-day-remaining': 'none' }, concurrencyBody, 'concurrency'],
  ] as const)('%s → %s', (_name, headers, body, kind) => {
    expect(rateLimitKind({ ...headers }, body)).toBe(kind);
  });
});
