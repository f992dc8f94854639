/**
 * @module A human in the loop, acting as an agent: `c3po send`, `inbox` and `answer` (an agent
 * token for that agent ID, or the admin token). Nothing here is fenced: it is shown to a person.
 */
import {
  PENDING_MAX_LIMIT,
  ROUTES,
  type ToolOutput,
  ToolOutputSchemas,
  WAIT_MAX_SECONDS,
} from '@c3po/protocol';
import { CliError } from './cli-error.js';
import { type Command, clientFor, output, required } from './command.js';
import { ago, indent, plural, safe } from './format.js';

/** The text argument: the words after the command (and its request ID, for `answer`). */
function text(words: string[], what: string): string {
  const joined = words.join(' ');
  if (joined.trim() === '') throw new CliError(`give the ${what} as an argument, in quotes`);
  return joined;
}

function answerText(r: ToolOutput<'wait_for_response'>): string {
  const response = r.response;
  if (!response) return `No answer: the request is ${r.request_state ?? r.status}.`;
  const how = response.status === 'success' ? 'answered' : `answered (${response.status})`;
  return `${response.from} ${how}:\n${indent(response.response)}`;
}

const send: Command = {
  words: ['send'],
  usage: 'send --as ID --to ID "text" [--conversation CID] [--wait]',
  summary: 'send a request as an agent (and wait for the answer)',
  help: [
    'Sends a request to agent --to in the name of agent --as (with C3PO_TOKEN for that agent, or',
    'the admin token). --conversation continues a conversation you took part in; --wait waits for',
    'the answer and prints it (Ctrl-C stops waiting; the request stays).',
  ].join('\n'),
  options: {
    as: { type: 'string' },
    to: { type: 'string' },
    conversation: { type: 'string' },
    wait: { type: 'boolean' },
  },
  async run(input) {
    const agent = required(input, 'as', 'laptop-dana');
    const to = required(input, 'to', 'server-api');
    const message = text(input.positionals, 'message');
    const client = clientFor(input, 'agent', agent);
    const conversation = input.values.conversation;
    const sent = ToolOutputSchemas.send_request.parse(
      await client.post(ROUTES.requests, {
        to,
        message,
        ...(typeof conversation === 'string' ? { conversation_id: conversation } : {}),
      }),
    );
    const sentLine = `Sent request ${sent.request_id} to ${to} (${sent.recipient_status}); conversation ${sent.conversation_id}.`;
    if (!input.values.wait) return output(input, sent, () => sentLine);

    input.note(`${sentLine} Waiting for the answer (Ctrl-C stops waiting; the request stays)…`);
    const path = `${ROUTES.requests}/${sent.request_id}/response?timeout_seconds=${WAIT_MAX_SECONDS}`;
    for (;;) {
      const waited = ToolOutputSchemas.wait_for_response.parse(await client.get(path));
      if (waited.status === 'timeout') continue;
      if (waited.status === 'retry') {
        await new Promise((r) => setTimeout(r, (waited.retry_after_seconds ?? 5) * 1000));
        continue;
      }
      if (waited.status !== 'received') {
        throw new CliError(
          `request ${sent.request_id} ${waited.status} without an answer${waited.response ? `: ${safe(waited.response.response)}` : ''}`,
        );
      }
      return output(input, { request: sent, ...waited }, () => answerText(waited));
    }
  },
};

const inbox: Command = {
  words: ['inbox'],
  usage: 'inbox --as ID [--limit N]',
  summary: 'the unanswered requests to an agent, in full',
  help: `Lists the unanswered requests to agent --as, oldest first, in full (at most --limit, default 20, at most ${PENDING_MAX_LIMIT}). Listing them marks them delivered, as get_pending_requests does. Answer one with: c3po answer --as ID REQUEST_ID "text".`,
  options: { as: { type: 'string' }, limit: { type: 'string' } },
  async run(input) {
    const agent = required(input, 'as', 'server-api');
    const limit = typeof input.values.limit === 'string' ? `?limit=${input.values.limit}` : '';
    const list = ToolOutputSchemas.get_pending_requests.parse(
      await clientFor(input, 'agent', agent).get(`${ROUTES.requests}${limit}`),
    );
    return output(input, list, () => {
      if (list.requests.length === 0) return `No requests wait for ${agent}.`;
      const shown = list.total > list.requests.length ? ` (${list.requests.length} shown)` : '';
      return [
        `${plural(list.total, 'unanswered request')} to ${agent}${shown}:`,
        ...list.requests.map((r) =>
          [
            '',
            `${r.request_id}  from ${r.from}  ${ago(r.created_at)}  conversation ${r.conversation_id}${r.delivery_count > 1 ? `  (delivered ${r.delivery_count} times)` : ''}`,
            indent(r.message),
            ...(r.context ? ['  context:', indent(indent(r.context))] : []),
          ].join('\n'),
        ),
        '',
        `Answer with: c3po answer --as ${agent} REQUEST_ID "text"`,
      ].join('\n');
    });
  },
};

const answer: Command = {
  words: ['answer'],
  usage: 'answer --as ID REQUEST_ID "text" [--status declined|error]',
  summary: 'answer a request as the agent it was sent to',
  help: 'Answers a request to agent --as, once. --status declined says you will not do it (say why in the text); --status error that you tried and failed; the default is success.',
  options: { as: { type: 'string' }, status: { type: 'string' } },
  async run(input) {
    const agent = required(input, 'as', 'server-api');
    const [requestId, ...words] = input.positionals;
    if (!requestId) throw new CliError('answer needs the request ID (see: c3po inbox --as ID)');
    const status = input.values.status;
    const answered = ToolOutputSchemas.respond_to_request.parse(
      await clientFor(input, 'agent', agent).post(
        `${ROUTES.requests}/${encodeURIComponent(requestId)}/response`,
        {
          response: text(words, 'answer'),
          ...(typeof status === 'string' ? { status } : {}),
        },
      ),
    );
    return output(
      input,
      answered,
      (a) =>
        `Answered request ${a.request_id}${a.duplicate ? ' (the same answer was already stored)' : ''}; ${a.to} gets the answer.`,
    );
  },
};

export const AGENT_COMMANDS: readonly Command[] = [send, inbox, answer];
