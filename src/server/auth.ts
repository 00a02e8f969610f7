/**
 * Legacy authtoken → credential profile. Tokens are kept only as SHA-256 digests and compared in constant
 * time against every known digest (no early exit), so neither timing nor a heap dump reveals a token.
 */
import type { AuthLookup } from '../bridge/ports.js';
import { sha256Hex } from '../journal/redact.js';

export interface AuthtokenEntry {
  profile: string;
  /** SHA-256 of the token, 64 lower-case hex characters. */
  digest: string;
}

/** SHA-256 of `text` (UTF-8), 32 bytes. */
export function sha256(text: string): Buffer {
  return Buffer.from(sha256Hex(text), 'hex');
}

/** Equal-length strings compared without an early exit (the digests are all 64 hex characters). */
function sameDigest(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length && i < b.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export class AuthtokenIndex implements AuthLookup {
  private readonly entries: AuthtokenEntry[] = [];
  /** Lengths of the tokens added in clear; undefined once a digest-only token (any length) is accepted. */
  private lengths: Set<number> | undefined = new Set();

  /** Accept `token` (clear) for `profile`. */
  addToken(profile: string, token: string): void {
    this.entries.push({ profile, digest: sha256Hex(token) });
    this.lengths?.add(token.length);
  }

  /** Accept the token whose SHA-256 hex digest (optionally `sha256:`-prefixed) is given. */
  addDigest(profile: string, hex: string): void {
    this.entries.push({ profile, digest: hex.replace(/^sha256:/i, '').toLowerCase() });
    this.lengths = undefined;
  }

  get size(): number {
    return this.entries.length;
  }

  /** The profile this token selects, or undefined. Always compares against every entry. */
  lookup(token: string | undefined): string | undefined {
    if (!token) return undefined;
    const presented = sha256Hex(token);
    let found: string | undefined;
    for (const entry of this.entries) {
      if (sameDigest(presented, entry.digest) && found === undefined) found = entry.profile;
    }
    return found;
  }

  /**
   * Whether `candidate` is an accepted token (scrubbing path segments). A candidate of a length no clear token has
   * is refused without hashing; with digest-only tokens every candidate is hashed.
   */
  isAccepted(candidate: string): boolean {
    if (this.lengths && !this.lengths.has(candidate.length)) return false;
    return this.lookup(candidate) !== undefined;
  }
}
