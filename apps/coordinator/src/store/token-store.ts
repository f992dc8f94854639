/**
 * @module Tokens, stored by their SHA-256 only: a token is 24 random bytes, so a plain hash is
 * safe to store and cheap to look up on every call (no slow KDF on the hot path).
 */

import { z } from 'zod';
import { fieldsToRecord } from './codec.js';
import type { Keys } from './keys.js';
import type { RedisConnections } from './redis-client.js';

const StoredTokenSchema = z.object({
  id: z.string(),
  /** Agent tokens: the agent-ID patterns it may act as. Viewer tokens: none. */
  agents: z.array(z.string()),
  role: z.enum(['agent', 'viewer']).default('agent'),
  name: z.string().optional(),
  created_at: z.string(),
});
export type StoredToken = z.infer<typeof StoredTokenSchema>;

export type TokenStore = ReturnType<typeof createTokenStore>;

export function createTokenStore(redis: RedisConnections, keys: Keys) {
  const parse = (json: string) => StoredTokenSchema.parse(JSON.parse(json));
  const hash = async (key: string) =>
    fieldsToRecord((await redis.call(key, 'HGETALL', key)) as unknown[]);
  return {
    async create(digest: string, token: StoredToken): Promise<void> {
      await redis.call(keys.tokens, 'HSET', keys.tokens, digest, JSON.stringify(token));
    },

    async get(digest: string): Promise<StoredToken | undefined> {
      const json = await redis.call(keys.tokens, 'HGET', keys.tokens, digest);
      return typeof json === 'string' ? parse(json) : undefined;
    },

    async list(): Promise<(StoredToken & { last_used_at?: string })[]> {
      const [all, used] = await Promise.all([hash(keys.tokens), hash(keys.tokensUsed)]);
      return Object.entries(all).map(([digest, json]) => ({
        ...parse(json),
        ...(used[digest] ? { last_used_at: used[digest] } : {}),
      }));
    },

    /** Removes the token with this id; returns its digest, or undefined when there is none. */
    async revoke(id: string): Promise<string | undefined> {
      const all = await hash(keys.tokens);
      const digest = Object.keys(all).find((d) => parse(all[d] ?? '{}').id === id);
      if (!digest) return undefined;
      await Promise.all([
        redis.call(keys.tokens, 'HDEL', keys.tokens, digest),
        redis.call(keys.tokensUsed, 'HDEL', keys.tokensUsed, digest),
      ]);
      return digest;
    },

    async markUsed(digest: string, at: string): Promise<void> {
      await redis.call(keys.tokensUsed, 'HSET', keys.tokensUsed, digest, at);
    },
  };
}
