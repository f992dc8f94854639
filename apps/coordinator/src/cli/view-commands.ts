/** @module Watching: `c3po status`, `agents`, `conversations` and `show` (admin or viewer token). */
import {
  OperatorAgentsSchema,
  OperatorConversationsSchema,
  OperatorStatusSchema,
  OperatorThreadSchema,
  ROUTES,
  type ThreadMessage,
} from '@c3po/protocol';
import { CliError } from './cli-error.js';
import { type Command, clientFor, output } from './command.js';
import { ago, indent, oneLine, plural, safe, table, until, when } from './format.js';

const status: Command = {
  words: ['status'],
  usage: 'status',
  summary: 'the coordinator, its Redis, and how much is going on',
  help: 'Shows the coordinator version and auth mode, the health of each Redis server, and counts of agents, requests and conversations.',
  options: {},
  async run(input) {
    const client = clientFor(input, 'viewer');
    const s = OperatorStatusSchema.parse(await client.get(ROUTES.operator.status));
    return output(input, s, () => {
      const nodes = s.redis.nodes
        .map((n) => `${n.node} ${n.ok ? 'ok' : `down (${n.error ?? 'no answer'})`}`)
        .join(', ');
      return table(
        ['Coordinator', `${client.url} (version ${s.version}, ${s.auth_mode} mode)`],
        [
          ['Redis', `${s.redis.ok ? 'ok' : 'unreachable'}, ${s.redis.mode}: ${nodes}`],
          [
            'Agents',
            `${s.agents.known} known, ${s.agents.online} online, ${s.agents.waiting} listening`,
          ],
          [
            'Requests',
            `${s.requests.in_flight} in flight, ${s.requests.dead_lettered} expired or dead-lettered`,
          ],
          ['Conversations', String(s.conversations)],
        ],
      );
    });
  },
};

const agents: Command = {
  words: ['agents'],
  usage: 'agents',
  summary: 'agents: status, listening, last seen, unanswered requests',
  help: 'Lists the most recently seen agents (up to 200), newest first, with the requests waiting in their inbox.',
  options: {},
  async run(input) {
    const list = OperatorAgentsSchema.parse(
      await clientFor(input, 'viewer').get(ROUTES.operator.agents),
    );
    return output(input, list, () => {
      if (list.agents.length === 0) return 'No agent has connected yet.';
      const rows = list.agents.map((a) => [
        a.agent_id,
        a.status,
        a.waiting ? 'yes' : '-',
        ago(a.last_seen),
        String(a.inbox),
        oneLine(a.description ?? ''),
      ]);
      const more =
        list.total > list.agents.length ? `\n… and ${list.total - rows.length} more` : '';
      return `${table(['AGENT', 'STATUS', 'LISTENING', 'LAST SEEN', 'INBOX', 'DESCRIPTION'], rows)}${more}`;
    });
  },
};

const conversations: Command = {
  words: ['conversations'],
  usage: 'conversations [--agent ID] [--limit N]',
  summary: 'conversations, most recently active first',
  help: 'Lists conversations with their participants, size and last message. --agent keeps those one agent took part in; --limit (1-200, default 50) says how many.',
  options: { agent: { type: 'string' }, limit: { type: 'string' } },
  async run(input) {
    const query = new URLSearchParams();
    if (typeof input.values.agent === 'string') query.set('agent', input.values.agent);
    if (typeof input.values.limit === 'string') query.set('limit', input.values.limit);
    const path = `${ROUTES.operator.conversations}${query.size > 0 ? `?${query}` : ''}`;
    const list = OperatorConversationsSchema.parse(await clientFor(input, 'viewer').get(path));
    return output(input, list, () => {
      if (list.conversations.length === 0) return 'No conversations.';
      const rows = list.conversations.map((c) => [
        c.conversation_id,
        c.participants.join(', '),
        String(c.messages),
        ago(c.last_activity_at),
        `${c.last_message.from}: ${c.last_message.type === 'cancellation' ? '(cancelled a request)' : oneLine(c.last_message.preview, 50)}`,
      ]);
      return table(
        ['CONVERSATION', 'PARTICIPANTS', 'MESSAGES', 'LAST ACTIVE', 'LAST MESSAGE'],
        rows,
      );
    });
  },
};

function steps(m: Extract<ThreadMessage, { type: 'request' }>): string {
  const parts = [`sent ${when(m.created_at)}`];
  if (m.delivered_at) parts.push(`delivered ${when(m.delivered_at)}`);
  if (m.ended_at) parts.push(`${m.state} ${when(m.ended_at)}`);
  else if (m.expires_at) parts.push(`expires ${until(m.expires_at)}`);
  return parts.join(', ');
}

function render(m: ThreadMessage): string {
  if (m.type === 'cancellation') {
    return `${when(m.created_at)}  ${m.from} cancelled request ${m.request_id}`;
  }
  if (m.type === 'response') {
    return `${when(m.created_at)}  ${m.from} → ${m.to}  answer (${m.status}) to ${m.request_id}\n${indent(m.response)}`;
  }
  const context = m.context ? `\n  context:\n${indent(indent(m.context))}` : '';
  return `${when(m.created_at)}  ${m.from} → ${m.to}  request ${m.request_id}  ${m.state}\n${indent(m.message)}${context}\n  (${steps(m)})`;
}

const show: Command = {
  words: ['show'],
  usage: 'show CONVERSATION_ID',
  summary: 'one conversation as its thread, oldest first',
  help: "Prints every request and answer of a conversation, oldest first, with each request's state (queued, delivered, answered, expired, cancelled) and when it was sent, delivered and answered.",
  options: {},
  async run(input) {
    const [id] = input.positionals;
    if (!id) throw new CliError('show needs a conversation ID (see: c3po conversations)');
    const thread = OperatorThreadSchema.parse(
      await clientFor(input, 'viewer').get(
        `${ROUTES.operator.conversations}/${encodeURIComponent(id)}`,
      ),
    );
    return output(input, thread, () => {
      const shown =
        thread.total > thread.messages.length ? `, the last ${thread.messages.length} shown` : '';
      return [
        `Conversation ${thread.conversation_id}: ${safe(thread.participants.join(', '))} (${plural(thread.total, 'message')}${shown})`,
        '',
        ...thread.messages.map(render).join('\n\n').split('\n'),
      ].join('\n');
    });
  },
};

export const VIEW_COMMANDS: readonly Command[] = [status, agents, conversations, show];
