/**
 * @module Every Redis key and channel name, built in one place (the table is in docs/operations.md).
 * An agent's keys carry `{agent}` as a hash tag so that they share a cluster slot, a conversation's
 * carry `{conversation_id}` and a token's `{digest}`. Each Lua script touches one slot; the few
 * global keys are each written alone.
 */

/** Consumer group on every inbox. */
export const GROUP = 'c3po';
/**
 * Consumer name. The group's pending entries list is the delivery record; the coordinator is
 * stateless, so one consumer per inbox is enough and any replica may act for it.
 */
export const CONSUMER = 'agent';

export type Keys = ReturnType<typeof createKeys>;

export function createKeys(prefix: string) {
  const agent = (id: string) => `${prefix}:{${id}}`;
  const conversation = (id: string) => `${prefix}:conv:{${id}}`;
  const token = (digest: string) => `${prefix}:token:{${digest}}`;
  return {
    /** zset agent → last seen (ms): the directory. Global, like every key without a hash tag. */
    agents: `${prefix}:agents`,
    /** zset agent → when its session ended (ms): offline until seen again. */
    ended: `${prefix}:agents:ended`,
    /** Hash agent → what the agent says it is for (X-Agent-Description). */
    descriptions: `${prefix}:agents:descriptions`,
    /** zset agent → lease end (ms) of its open wait_for_request calls, for the directory. */
    waiting: `${prefix}:agents:waiting`,
    /** zset `<recipient> <request id>` → deadline (ms) of every open request, for the expiry sweep. */
    deadlines: `${prefix}:deadlines`,
    /** zset conversation id → its latest request (ms), for the operator view. */
    conversations: `${prefix}:conversations`,
    /** Stream of request lifecycle events (sent, answered, expired...), capped, for observers. */
    events: `${prefix}:events`,
    /** Hash sha256(token) → JSON {id, agents, name, role, created_at}: tokens (never the token itself). */
    tokens: `${prefix}:tokens`,
    /** Hash sha256(token) → when the token was last used (ISO). */
    tokensUsed: `${prefix}:tokens:used`,

    /** Stream of unanswered requests to the agent (consumer group `c3po`); entries leave when finished. */
    inbox: (a: string) => `${agent(a)}:inbox`,
    /** Counter: bytes of the unanswered requests in the inbox. */
    inboxBytes: (a: string) => `${agent(a)}:inbox-bytes`,
    /** Hash request id → ms: unanswered requests a tool result of the agent contained (delivered). */
    delivered: (a: string) => `${agent(a)}:delivered`,
    /** Hash: a request to the agent: its sender, state, deadline and, once there, its answer. */
    request: (a: string, requestId: string) => `${agent(a)}:request:${requestId}`,
    /** Idempotency record of a send to the agent (by sender and key). */
    idempotency: (a: string, digest: string) => `${agent(a)}:idem:${digest}`,
    /** Stream of requests to the agent that were given up on (expired or delivered too often). */
    deadLetters: (a: string) => `${agent(a)}:dead-letters`,
    /** The recipient of a request the agent sent: how a sender finds its request by ID alone. */
    sent: (a: string, requestId: string) => `${agent(a)}:sent:${requestId}`,
    /** zset `<request id> <recipient>` → ms: answers to the agent's requests it has not received yet. */
    answers: (a: string) => `${agent(a)}:answers`,
    /** zset request id → ms: answers the agent received (so a repair never queues one again). */
    received: (a: string) => `${agent(a)}:received`,
    /** Counter of the agent's sends in the current rate window. */
    sendCount: (a: string) => `${agent(a)}:rate:send`,
    /** zset Claude Code session id → when its SessionStart hook ran (ms): the agent's sessions. */
    sessions: (a: string) => `${agent(a)}:sessions`,
    /** Set of request ids a session's hook already announced (`stop` or `tool` notices). */
    announced: (a: string, session: string, hook: 'stop' | 'tool') =>
      `${agent(a)}:announced:${hook}:${session}`,
    /** Sharded pub/sub channel that wakes the agent's waiters and the waiters on its requests. */
    bell: (a: string) => `${agent(a)}:bell`,

    /** Stream of every request and response in the conversation: what get_conversation replays. */
    conversation,
    /** Hash `request:<id>` / `response:<request id>` → entry id (makes appends idempotent). */
    conversationIndex: (c: string) => `${conversation(c)}:index`,
    /** Hash agent → the entry from which it may read (`0`: from the start); `#` counts entries. */
    conversationMembers: (c: string) => `${conversation(c)}:members`,

    /** Counter of the token's sends in the current rate window. */
    tokenSendCount: (digest: string) => `${token(digest)}:rate:send`,
    /** zset wait id → lease end (ms): the token's open waits. */
    tokenWaits: (digest: string) => `${token(digest)}:waits`,
    /** zset agent ID → last use (ms): the agent IDs a token has acted as. */
    tokenAgents: (digest: string) => `${token(digest)}:agents`,
  };
}

/** Doorbell messages on an agent's channel. */
export const BELL = {
  /** A new request for the agent (wakes its wait_for_request). */
  request: 'request',
  /** An answer for the agent arrived (wakes its wait_for_response without request_id). */
  answer: 'answer',
  /** A request to the agent was answered, cancelled or expired (wakes its sender's wait by ID). */
  done: (requestId: string) => `done:${requestId}`,
} as const;
