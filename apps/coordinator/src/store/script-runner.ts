/**
 * @module Lua scripts: loaded from the `.lua` files beside this module, run with EVALSHA and an
 * EVAL fallback when the server's script cache is empty (after a restart or failover).
 * @see https://redis.io/commands/evalsha
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { RedisClient } from './redis-client.js';

const SCRIPT_DIR = new URL('./scripts/', import.meta.url);

export type ScriptName =
  | 'ack-request-2'
  | 'append-conversation-3'
  | 'append-response-2'
  | 'claim-requests-1'
  | 'claim-response-2'
  | 'count-hit-1'
  | 'create-record-1'
  | 'dead-letter-3'
  | 'read-response-2'
  | 'read-unanswered-1'
  | 'release-requests-1'
  | 'send-3'
  | 'start-wait-1'
  | 'transition-record-1'
  | 'trim-1';

interface Script {
  source: string;
  sha: string;
  keyCount: number;
}

export type RunScript = (
  name: ScriptName,
  keys: string[],
  args: (string | number)[],
) => Promise<unknown>;

export function createScriptRunner(client: RedisClient): RunScript {
  const scripts = new Map<string, Script>();
  for (const file of readdirSync(SCRIPT_DIR)) {
    const match = /^(.*-(\d+))\.lua$/.exec(file);
    if (!match?.[1] || !match[2]) continue;
    const source = readFileSync(new URL(file, SCRIPT_DIR), 'utf8');
    const sha = createHash('sha1').update(source).digest('hex');
    scripts.set(match[1], { source, sha, keyCount: Number(match[2]) });
  }
  return async (name, keys, args) => {
    const script = scripts.get(name);
    if (!script) throw new Error(`no Lua script named ${name} in ${SCRIPT_DIR.pathname}`);
    if (keys.length !== script.keyCount) {
      throw new Error(`${name} takes ${script.keyCount} keys, got ${keys.length}`);
    }
    const tail = [String(keys.length), ...keys, ...args.map(String)];
    try {
      return await client.sendCommand(['EVALSHA', script.sha, ...tail]);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return client.sendCommand(['EVAL', script.source, ...tail]);
    }
  };
}
