/**
 * @module Agent tokens, stored by their SHA-256 only: a token is 24 random bytes, so a plain hash
 * is safe to store and cheap to look up on every call (no slow KDF on the hot path).
 */

import { z } from 'zod';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis-client.js';

const StoredTokenSchema = z.object({
  id: z.string(),
  agents: z.array(z.string()),
  name: z.string().optional(),
  created_at: z.string(),
});
export type StoredToken = z.infer<typeof StoredTokenSchema>;

export type TokenStore = ReturnType<typeof createTokenStore>;

export function createTokenStore(client: RedisClient, keys: Keys) {
  const parse = (json: string) => StoredTokenSchema.parse(JSON.parse(json));
  return {
    async create(digest: string, token: StoredToken): Promise<void> {
      await client.hSet(keys.tokens, digest, JSON.stringify(token));
    },

    async get(digest: string): Promise<StoredToken | undefined> {
      const json = await client.hGet(keys.tokens, digest);
      return json ? parse(json) : undefined;
    },

    async list(): Promise<(StoredToken & { last_used_at?: string })[]> {
      const [all, used] = await Promise.all([
        client.hGetAll(keys.tokens),
        client.hGetAll(keys.tokensUsed),
      ]);
      return Object.entries(all).map(([digest, json]) => ({
        ...parse(json),
        ...(used[digest] ? { last_used_at: used[digest] } : {}),
      }));
    },

    /** Removes the token with this id; returns its digest, or undefined when there is none. */
    async revoke(id: string): Promise<string | undefined> {
      const all = await client.hGetAll(keys.tokens);
      const digest = Object.keys(all).find((d) => parse(all[d] ?? '{}').id === id);
      if (!digest) return undefined;
      await Promise.all([client.hDel(keys.tokens, digest), client.hDel(keys.tokensUsed, digest)]);
      return digest;
    },

    async markUsed(digest: string, at: string): Promise<void> {
      await client.hSet(keys.tokensUsed, digest, at);
    },
  };
}
