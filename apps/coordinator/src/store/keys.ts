/**
 * @module Every Redis key and channel name, built in one place.
 * An agent's keys carry `{agent}` as a hash tag so they share a cluster slot; a conversation's keys
 * carry `{conversation_id}` and a request record `{request_id}`. Each Lua script touches one slot.
 */

/** Consumer group on every inbox and response stream. */
export const GROUP = 'c3po';
/**
 * Consumer name. The group's pending entries list is the delivery record; the coordinator is
 * stateless, so one consumer per stream is enough and any replica may act for it.
 */
export const CONSUMER = 'agent';

export type Keys = ReturnType<typeof createKeys>;

export function createKeys(prefix: string) {
  const agent = (id: string) => `${prefix}:{${id}}`;
  const conversation = (id: string) => `${prefix}:conv:{${id}}`;
  return {
    /** zset agent → last seen (ms). Global, like the next two; each is written alone. */
    agents: `${prefix}:agents`,
    /** zset agent → when its session ended (ms): offline until seen again. */
    ended: `${prefix}:agents:ended`,
    /** zset `<agent> <wait id>` → deadline (ms) of every open wait_for_request, for the directory. */
    waiting: `${prefix}:agents:waiting`,
    /** Hash sha256(token) → JSON {id, agents, name, created_at}: agent tokens (never the token itself). */
    tokens: `${prefix}:tokens`,
    /** Hash sha256(token) → when the token was last used (ISO). */
    tokensUsed: `${prefix}:tokens:used`,
    /** Stream of requests to the agent (consumer group `c3po`). */
    inbox: (a: string) => `${agent(a)}:inbox`,
    /** Hash request_id → inbox entry id, for unanswered requests. */
    inboxIndex: (a: string) => `${agent(a)}:inbox-index`,
    /** Stream of dead-lettered requests to the agent. */
    deadLetters: (a: string) => `${agent(a)}:dead-letters`,
    /** Idempotency record of a send to the agent (by sender and key). */
    idempotency: (a: string, digest: string) => `${agent(a)}:idem:${digest}`,
    /** Stream of responses to the agent's requests (consumer group `c3po`). */
    responses: (a: string) => `${agent(a)}:responses`,
    /** zset request_id → ms appended: makes delivering a response to the agent idempotent. */
    responseIndex: (a: string) => `${agent(a)}:response-index`,
    /** zset request_id → ms: responses the agent already received through wait_for_response(request_id). */
    received: (a: string) => `${agent(a)}:received`,
    /** zset `<kind>:<wait id>` → deadline (ms) of the agent's open waits (kind: request or response). */
    waits: (a: string) => `${agent(a)}:waits`,
    /** Counter of the agent's sends in the current rate window. */
    sendCount: (a: string) => `${agent(a)}:rate:send`,
    /** zset Claude Code session id → last hook call (ms): the agent's live sessions. */
    sessions: (a: string) => `${agent(a)}:sessions`,
    /** Set of request ids a session's hook already announced (`stop` or `tool` notices). */
    announced: (a: string, session: string, hook: 'stop' | 'tool') =>
      `${agent(a)}:announced:${hook}:${session}`,
    /** Sharded pub/sub channel that wakes the agent's waiters. */
    bell: (a: string) => `${agent(a)}:bell`,
    /** Stream of every request and response in the conversation: the record replayed by get_conversation. */
    conversation,
    /** Hash `request:<id>` / `response:<request id>` → conversation entry id (makes appends idempotent). */
    conversationIndex: (c: string) => `${conversation(c)}:index`,
    /** Set of agents that took part in the conversation. */
    conversationMembers: (c: string) => `${conversation(c)}:members`,
    /** Hash: the request's sender, recipient, state and where its response is. */
    request: (r: string) => `${prefix}:request:{${r}}`,
  };
}

/** Doorbell messages: what changed for the agent. */
export const BELL = { request: 'request', response: 'response' } as const;
export type BellKind = keyof typeof BELL;
