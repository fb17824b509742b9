import { hash, timingSafeEqual } from "node:crypto";
import type { ApiKey } from "./keys-file.js";

/** Longer than any key worth hashing: a header of kilobytes is refused without the work. */
const MAX_KEY_LENGTH = 512;

/** The sha256 hex digest of a key: what the keys file stores and `lead-scoring keys hash` prints. */
export function hashKey(key: string): string {
  return hash("sha256", key, "hex");
}

/**
 * The keys currently accepted, swapped whole when the keys file changes (a request sees the old
 * set or the new one, never a mix).
 */
export class ApiKeys {
  private byDigest = new Map<string, ApiKey>();

  constructor(keys: readonly ApiKey[] = []) {
    this.replace(keys);
  }

  get size(): number {
    return this.byDigest.size;
  }

  replace(keys: readonly ApiKey[]): void {
    this.byDigest = new Map(keys.map((key) => [key.digest.toString("hex"), key]));
  }

  /**
   * The known key a caller presented, or undefined. The map is keyed by the sha256 of the key,
   * never by the key: the lookup's timing (hash-table probe, string comparison of hex digests)
   * depends only on the digest, and learning how much of a digest matched tells an attacker
   * nothing about a key that produces it (sha256 is preimage-resistant), so the comparison is
   * constant-time with respect to the secret. timingSafeEqual on the two digests then makes the
   * final decision independent of how Map compares strings, as defence in depth: it stays
   * correct if the map's key ever changes (a truncated digest, a cache keyed otherwise).
   */
  lookup(presented: string): ApiKey | undefined {
    if (presented.length === 0 || presented.length > MAX_KEY_LENGTH) return undefined;
    // One-shot crypto.hash: no Hash object per request.
    const digest = hash("sha256", presented, "buffer");
    const key = this.byDigest.get(digest.toString("hex"));
    return key !== undefined && timingSafeEqual(key.digest, digest) ? key : undefined;
  }
}
