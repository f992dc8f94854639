/**
 * @module Lua scripts: loaded from the `.lua` files beside this module, run with EVALSHA and an
 * EVAL fallback when the server's script cache is empty (after a restart or a failover; EVAL
 * caches it again on that server). Each script's keys share one slot, and it runs where they live.
 * @see https://redis.io/commands/evalsha
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { RedisConnections } from './redis-client.js';

const SCRIPT_DIR = new URL('./scripts/', import.meta.url);

export type ScriptName =
  | 'admit-1'
  | 'append-conversation-3'
  | 'claim-requests-2'
  | 'count-hit-1'
  | 'deliver-answer-2'
  | 'end-request-5'
  | 'lease-1'
  | 'lease-answer-1'
  | 'read-conversation-3'
  | 'read-unanswered-2'
  | 'release-requests-2'
  | 'respond-4'
  | 'send-4'
  | 'take-answer-2'
  | 'undo-append-3';

interface Script {
  source: string;
  sha: string;
  keyCount: number;
}

export type RunScript = (
  name: ScriptName,
  keys: readonly string[],
  args: readonly (string | number)[],
) => Promise<unknown>;

export function createScriptRunner(redis: RedisConnections): RunScript {
  const scripts = new Map<string, Script>();
  for (const file of readdirSync(SCRIPT_DIR)) {
    const match = /^(.*-(\d+))\.lua$/.exec(file);
    if (!match?.[1] || !match[2]) continue;
    const source = readFileSync(new URL(file, SCRIPT_DIR), 'utf8');
    const sha = createHash('sha1').update(source).digest('hex');
    scripts.set(match[1], { source, sha, keyCount: Number(match[2]) });
  }
  redis.preloadScripts([...scripts.values()].map((s) => s.source));
  return async (name, keys, args) => {
    const script = scripts.get(name);
    if (!script) throw new Error(`no Lua script named ${name} in ${SCRIPT_DIR.pathname}`);
    if (keys.length !== script.keyCount) {
      throw new Error(`${name} takes ${script.keyCount} keys, got ${keys.length}`);
    }
    const first = keys[0] ?? '';
    const tail = [keys.length, ...keys, ...args];
    try {
      return await redis.call(first, 'EVALSHA', script.sha, ...tail);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.call(first, 'EVAL', script.source, ...tail);
    }
  };
}
