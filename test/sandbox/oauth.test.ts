import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { DEMO_CLIENT } from '../../src/sandbox/index.js';
import { DEMO_USER, manualClock, refreshGrant, sandbox } from './helpers.js';

const refreshFields = {
  grant_type: 'refresh_token',
  client_id: DEMO_CLIENT.clientId,
  client_secret: DEMO_CLIENT.clientSecret,
  refresh_token: DEMO_CLIENT.refreshToken,
};

describe('POST /oauth/v2/token', () => {
  it('refresh_token as a form body → modern answer with the sandbox as api_domain', async () => {
    const { sb } = await sandbox();
    const res = await request(sb.url).post('/oauth/v2/token').type('form').send(refreshFields);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['access_token', 'api_domain', 'token_type', 'expires_in']);
    expect(res.body.access_token).toMatch(/^1000\.[0-9a-f]+\.[0-9a-f]+$/);
    expect(res.body).toMatchObject({ api_domain: sb.url, token_type: 'Bearer', expires_in: 3600 });
    expect(res.body.refresh_token).toBeUndefined();
  });

  it.each([
    ['urlencoded', (r: request.Test) => r.type('form').send(refreshFields)],
    ['multipart/form-data (what Zoho\'s SDKs send)', (r: request.Test) => {
      for (const [k, v] of Object.entries(refreshFields)) r.field(k, v);
      return r;
    }],
    ['JSON', (r: request.Test) => r.type('json').send(refreshFields)],
    ['query string', (r: request.Test) => r.query(refreshFields)],
    ['query + multipart split', (r: request.Test) => r.query({ grant_type: 'refresh_token', client_id: DEMO_CLIENT.clientId })
      .field('client_secret', DEMO_CLIENT.clientSecret).field('refresh_token', DEMO_CLIENT.refreshToken)],
  ])('the token endpoint reads %s bodies', async (_name, build) => {
    const { sb } = await sandbox();
    const res = await build(request(sb.url).post('/oauth/v2/token'));
    expect(res.status).toBe(200);
    expect(res.body.access_token).toMatch(/^1000\./);
  });

  it.each([
    ['malformed JSON', (r: request.Test) => r.set('Content-Type', 'application/json').send('{"grant_type":')],
    ['a multipart body with a file part', (r: request.Test) => r.attach('refresh_token', Buffer.from('x'), 'token.txt')],
    ['a multipart body without its closing boundary', (r: request.Test) =>
      r.set('Content-Type', 'multipart/form-data; boundary=XX').send('--XX\r\nContent-Disposition: form-data; name="a"\r\n\r\nb')],
  ])('an unreadable body (%s) → HTTP 200 invalid_client, the sandbox keeps serving', async (_name, build) => {
    const { sb } = await sandbox();
    const res = await build(request(sb.url).post('/oauth/v2/token'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ error: 'invalid_client' });
    expect((await request(sb.url).post('/oauth/v2/token').type('form').send(refreshFields)).body.access_token).toBeDefined();
  });

  it('refresh_token in the query string works too, and the lifetime is configurable', async () => {
    const { sb } = await sandbox({ tokenLifetimeSeconds: 120 });
    const res = await request(sb.url).post('/oauth/v2/token').query(refreshFields);
    expect(res.body.expires_in).toBe(120);
  });

  it('legacy answer form: expires_in_sec seconds and expires_in in ms', async () => {
    const { sb } = await sandbox({ tokenResponseForm: 'legacy' });
    const res = await request(sb.url).post('/oauth/v2/token').query(refreshFields);
    expect(Object.keys(res.body)).toEqual(['access_token', 'expires_in_sec', 'api_domain', 'token_type', 'expires_in']);
    expect(res.body.expires_in_sec).toBe(3600);
    expect(res.body.expires_in).toBe(3_600_000);
  });

  it('errors are HTTP 200 bodies: invalid_client, invalid_code, unsupported_grant_type', async () => {
    const { sb } = await sandbox();
    const post = (fields: Record<string, string>) => request(sb.url).post('/oauth/v2/token').type('form').send(fields);
    expect((await post({ ...refreshFields, client_id: 'nope' })).body).toEqual({ error: 'invalid_client' });
    expect((await post({ ...refreshFields, client_secret: 'wrong' })).body).toEqual({ error: 'invalid_client' });
    const bad = await post({ ...refreshFields, refresh_token: '1000.bad.bad' });
    expect(bad.status).toBe(200);
    expect(bad.body).toEqual({ error: 'invalid_code' });
    expect((await post({ ...refreshFields, grant_type: 'password' })).body).toEqual({ error: 'unsupported_grant_type' });
    expect(sb.state.stats().tokenGrants.errors).toBe(4);
  });

  it('authorization_code: one-shot, redirect_uri checked, returns a refresh token that works', async () => {
    const { sb } = await sandbox({
      clients: [
        {
          clientId: 'c1',
          clientSecret: 's1',
          refreshTokens: [],
          grantCodes: [{ code: 'g1', userId: DEMO_USER.id, redirectUri: 'https://app.example/cb' }],
        },
      ],
    });
    const grant = { grant_type: 'authorization_code', client_id: 'c1', client_secret: 's1', code: 'g1' };
    const post = (fields: Record<string, string>) => request(sb.url).post('/oauth/v2/token').type('form').send(fields);
    expect((await post({ ...grant, redirect_uri: 'https://evil.example/cb' })).body).toEqual({ error: 'redirect_uri_mismatch' });
    const ok = await post({ ...grant, redirect_uri: 'https://app.example/cb' });
    expect(Object.keys(ok.body)).toEqual(['access_token', 'refresh_token', 'api_domain', 'token_type', 'expires_in']);
    expect((await post({ ...grant, redirect_uri: 'https://app.example/cb' })).body).toEqual({ error: 'invalid_code' });
    const refreshed = await post({ grant_type: 'refresh_token', client_id: 'c1', client_secret: 's1', refresh_token: ok.body.refresh_token });
    expect(refreshed.body.access_token).toMatch(/^1000\./);
    // The grant's access token works on the API.
    const users = await request(sb.url).get('/crm/v2/users?type=CurrentUser').set('Authorization', `Zoho-oauthtoken ${ok.body.access_token}`);
    expect(users.body.users[0].id).toBe(DEMO_USER.id);
    expect(sb.state.stats().tokenGrants).toMatchObject({ authorization_code: 1, refresh_token: 1 });
  });

  it('a refresh token of another client is invalid_code', async () => {
    const { sb } = await sandbox({
      clients: [
        { clientId: 'a', clientSecret: 'sa', refreshTokens: [{ token: 'ra', userId: DEMO_USER.id }] },
        { clientId: 'b', clientSecret: 'sb', refreshTokens: [{ token: 'rb', userId: DEMO_USER.id }] },
      ],
    });
    const res = await request(sb.url)
      .post('/oauth/v2/token')
      .query({ grant_type: 'refresh_token', client_id: 'a', client_secret: 'sa', refresh_token: 'rb' });
    expect(res.body).toEqual({ error: 'invalid_code' });
  });

  it('rejects clients whose user is not in users.json at start-up', async () => {
    await expect(
      sandbox({ clients: [{ clientId: 'x', clientSecret: 'y', refreshTokens: [{ token: 't', userId: '42' }] }] }),
    ).rejects.toThrow(/not in users.json/);
  });
});

describe('access tokens on /crm/v2', () => {
  const invalidToken = { code: 'INVALID_TOKEN', details: {}, message: 'invalid oauth token', status: 'error' };

  it.each([
    ['no Authorization header', undefined, 'AUTHENTICATION_FAILURE', 'Authentication failed'],
    ['an empty Authorization header', '', 'AUTHENTICATION_FAILURE', 'Authentication failed'],
    ['another scheme (Bearer)', 'Bearer 1000.x.y', 'AUTHENTICATION_FAILURE', 'Authentication failed'],
    ['the scheme without a token', 'Zoho-oauthtoken', 'AUTHENTICATION_FAILURE', 'Authentication failed'],
    ['an unknown token', 'Zoho-oauthtoken 1000.x.y', 'INVALID_TOKEN', 'invalid oauth token'],
  ])('%s → 401 %s', async (_name, header, code, message) => {
    const { http } = await sandbox();
    const req = http.get('/crm/v2/settings/modules');
    const res = await (header === undefined ? req : req.set('Authorization', header));
    expect(res.status).toBe(401);
    expect(res.text).toBe(JSON.stringify({ code, details: {}, message, status: 'error' }));
  });

  it('a token expires after its lifetime (injected clock)', async () => {
    const clock = manualClock();
    const { http, auth } = await sandbox({ now: clock.now, tokenLifetimeSeconds: 60 });
    expect((await http.get('/crm/v2/settings/modules').set(auth)).status).toBe(200);
    clock.advance(59_999);
    expect((await http.get('/crm/v2/settings/modules').set(auth)).status).toBe(200);
    clock.advance(1);
    const expired = await http.get('/crm/v2/settings/modules').set(auth);
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual(invalidToken);
  });

  it('the 31st token of a refresh token invalidates the oldest (cap 30)', async () => {
    const { sb, http, auth } = await sandbox();
    const later: string[] = [];
    for (let i = 0; i < 29; i++) later.push(await refreshGrant(sb));
    expect(sb.state.oauth.liveTokenCount(DEMO_CLIENT.refreshToken)).toBe(30);
    expect((await http.get('/crm/v2/settings/modules').set(auth)).status).toBe(200);
    later.push(await refreshGrant(sb)); // the 31st
    expect(sb.state.oauth.liveTokenCount(DEMO_CLIENT.refreshToken)).toBe(30);
    expect((await http.get('/crm/v2/settings/modules').set(auth)).status).toBe(401);
    expect((await http.get('/crm/v2/settings/modules').set('Authorization', `Zoho-oauthtoken ${later[0]}`)).status).toBe(200);
  });

  it('maxTokensPerRefreshToken is an option', async () => {
    const { sb, http, auth } = await sandbox({ maxTokensPerRefreshToken: 2 });
    const second = await refreshGrant(sb);
    await refreshGrant(sb);
    expect((await http.get('/crm/v2/settings/modules').set(auth)).status).toBe(401);
    expect((await http.get('/crm/v2/settings/modules').set('Authorization', `Zoho-oauthtoken ${second}`)).status).toBe(200);
  });
});
