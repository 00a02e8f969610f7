/**
 * Legacy authtoken → credential profile. Tokens are kept only as SHA-256 digests and compared in constant
 * time against every known digest (no early exit), so neither timing nor a heap dump reveals a token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuthLookup } from '../bridge/ports.js';

export interface AuthtokenEntry {
  profile: string;
  /** SHA-256 of the token (32 bytes). */
  digest: Buffer;
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export class AuthtokenIndex implements AuthLookup {
  private readonly entries: AuthtokenEntry[] = [];

  /** Accept `token` (clear) for `profile`. */
  addToken(profile: string, token: string): void {
    this.entries.push({ profile, digest: sha256(token) });
  }

  /** Accept the token whose SHA-256 hex digest (optionally `sha256:`-prefixed) is given. */
  addDigest(profile: string, hex: string): void {
    this.entries.push({ profile, digest: Buffer.from(hex.replace(/^sha256:/i, ''), 'hex') });
  }

  get size(): number {
    return this.entries.length;
  }

  /** The profile this token selects, or undefined. Always compares against every entry. */
  lookup(token: string | undefined): string | undefined {
    if (!token) return undefined;
    const presented = sha256(token);
    let found: string | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(presented, entry.digest) && found === undefined) found = entry.profile;
    }
    return found;
  }
}
