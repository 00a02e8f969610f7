/**
 * The sandbox's OAuth server (docs/PROTOCOL.md §10): refresh_token and authorization_code grants, access tokens
 * `1000.<hex>.<hex>` with a lifetime, at most N live tokens per refresh token (minting one more silently
 * invalidates the oldest), errors as HTTP 200 `{"error":…}`. Tokens are never logged.
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_SCOPES } from './access.js';
import type { SandboxOAuthClient } from './types.js';

export interface AccessTokenInfo {
  userId: string;
  clientId: string;
  refreshToken: string;
  expiresAt: number;
  /** OAuth scopes, inherited from the refresh token. */
  scopes: readonly string[];
}

export interface TokenSettings {
  lifetimeSeconds: number;
  maxPerRefreshToken: number;
  responseForm: 'modern' | 'legacy';
}

export type TokenAnswer = Record<string, unknown>;

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
export const newTokenString = (): string => `1000.${hex(16)}.${hex(16)}`;

export class OAuthServer {
  private readonly clients = new Map<string, SandboxOAuthClient>();
  /** refresh token → owner and client. */
  private readonly refreshTokens = new Map<string, { userId: string; clientId: string; scopes: readonly string[] }>();
  private readonly grantCodes = new Map<string, { userId: string; clientId: string; redirectUri?: string; scopes: readonly string[] }>();
  private readonly accessTokens = new Map<string, AccessTokenInfo>();
  /** refresh token → its live access tokens, oldest first. */
  private readonly byRefresh = new Map<string, string[]>();
  readonly grants = { refresh_token: 0, authorization_code: 0, errors: 0 };

  constructor(
    clients: SandboxOAuthClient[],
    private readonly settings: TokenSettings,
    private readonly now: () => number,
  ) {
    for (const c of clients) {
      this.clients.set(c.clientId, c);
      for (const r of c.refreshTokens) {
        this.refreshTokens.set(r.token, { userId: r.userId, clientId: c.clientId, scopes: r.scopes ?? DEFAULT_SCOPES });
      }
      for (const g of c.grantCodes ?? []) {
        this.grantCodes.set(g.code, { userId: g.userId, clientId: c.clientId, redirectUri: g.redirectUri, scopes: g.scopes ?? DEFAULT_SCOPES });
      }
    }
  }

  /** Handle POST /oauth/v2/token with its merged (query + form) fields. Always an HTTP-200 answer body. */
  token(fields: Record<string, string | undefined>, apiDomain: string): TokenAnswer {
    const client = fields.client_id ? this.clients.get(fields.client_id) : undefined;
    if (!client || client.clientSecret !== fields.client_secret) return this.error('invalid_client');
    if (fields.grant_type === 'refresh_token') {
      const owner = fields.refresh_token ? this.refreshTokens.get(fields.refresh_token) : undefined;
      if (!owner || owner.clientId !== client.clientId) return this.error('invalid_code');
      this.grants.refresh_token++;
      const access = this.mint(fields.refresh_token!, owner.userId, client.clientId, owner.scopes);
      return this.answer(access, apiDomain);
    }
    if (fields.grant_type === 'authorization_code') {
      const grant = fields.code ? this.grantCodes.get(fields.code) : undefined;
      if (!grant || grant.clientId !== client.clientId) return this.error('invalid_code');
      if (grant.redirectUri !== undefined && fields.redirect_uri !== grant.redirectUri) return this.error('redirect_uri_mismatch');
      this.grantCodes.delete(fields.code!); // a grant code works once
      this.grants.authorization_code++;
      const refresh = newTokenString();
      this.refreshTokens.set(refresh, { userId: grant.userId, clientId: client.clientId, scopes: grant.scopes });
      const access = this.mint(refresh, grant.userId, client.clientId, grant.scopes);
      return this.answer(access, apiDomain, refresh);
    }
    return this.error('unsupported_grant_type');
  }

  /** The live token's info, or undefined when unknown, revoked or expired. */
  check(accessToken: string): AccessTokenInfo | undefined {
    const info = this.accessTokens.get(accessToken);
    if (!info) return undefined;
    if (info.expiresAt <= this.now()) {
      this.forget(accessToken);
      return undefined;
    }
    return info;
  }

  revoke(accessToken: string): void {
    this.forget(accessToken);
  }

  revokeAll(): void {
    this.accessTokens.clear();
    this.byRefresh.clear();
  }

  liveTokenCount(refreshToken?: string): number {
    if (refreshToken === undefined) return this.accessTokens.size;
    return (this.byRefresh.get(refreshToken) ?? []).filter((t) => this.check(t)).length;
  }

  private mint(refreshToken: string, userId: string, clientId: string, scopes: readonly string[]): string {
    const token = newTokenString();
    this.accessTokens.set(token, { userId, clientId, refreshToken, expiresAt: this.now() + this.settings.lifetimeSeconds * 1000, scopes });
    const list = (this.byRefresh.get(refreshToken) ?? []).filter((t) => this.accessTokens.has(t));
    list.push(token);
    while (list.length > this.settings.maxPerRefreshToken) this.accessTokens.delete(list.shift()!);
    this.byRefresh.set(refreshToken, list);
    return token;
  }

  private forget(token: string): void {
    const info = this.accessTokens.get(token);
    this.accessTokens.delete(token);
    if (!info) return;
    const list = this.byRefresh.get(info.refreshToken);
    if (list) this.byRefresh.set(info.refreshToken, list.filter((t) => t !== token));
  }

  private answer(accessToken: string, apiDomain: string, refreshToken?: string): TokenAnswer {
    const lifetime = this.settings.lifetimeSeconds;
    const out: TokenAnswer = { access_token: accessToken };
    if (refreshToken) out.refresh_token = refreshToken;
    if (this.settings.responseForm === 'legacy') {
      out.expires_in_sec = lifetime;
      out.api_domain = apiDomain;
      out.token_type = 'Bearer';
      out.expires_in = lifetime * 1000;
    } else {
      out.api_domain = apiDomain;
      out.token_type = 'Bearer';
      out.expires_in = lifetime;
    }
    return out;
  }

  private error(code: string): TokenAnswer {
    this.grants.errors++;
    return { error: code };
  }
}
