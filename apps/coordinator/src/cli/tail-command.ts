/** @module `c3po tail`: request events as they happen, until Ctrl-C (admin or viewer token). */
import { setTimeout as sleep } from 'node:timers/promises';
import { type OperatorEvent, OperatorEventSchema, ROUTES } from '@c3po/protocol';
import { CliError } from './cli-error.js';
import { type Command, clientFor } from './command.js';
import { when } from './format.js';

/** How often, and how long, tail tries to get back a coordinator that went away. */
const RECONNECT_MS = 2_000;
const RECONNECT_TRIES = 15;

const line = (e: OperatorEvent) =>
  `${when(e.at)}  ${e.type.padEnd(13)}  ${`${e.from} → ${e.to}`.padEnd(30)}  request ${e.request_id}  conversation ${e.conversation_id}`;

export const TAIL_COMMAND: Command = {
  words: ['tail'],
  usage: 'tail [--backlog N]',
  summary: 'follow request events live (Ctrl-C stops)',
  help: 'Prints the last N events (--backlog, 0-200, default 10), then every request event as it happens: sent, delivered, answered, cancelled, expired, dead_lettered. With --json, one JSON object per line. Follows until Ctrl-C, and reconnects when the coordinator restarts.',
  options: { backlog: { type: 'string' } },
  async run(input) {
    const client = clientFor(input, 'viewer');
    const backlog = typeof input.values.backlog === 'string' ? input.values.backlog : '10';
    let lastId: string | undefined;
    let opened = false;
    let tries = 0;
    input.note(`Following request events at ${client.url} (Ctrl-C stops).`);
    for (;;) {
      const path = `${ROUTES.operator.events}?backlog=${encodeURIComponent(backlog)}`;
      try {
        const feed = client.events(path, {
          ...(lastId ? { lastEventId: lastId } : {}),
          onOpen: () => {
            opened = true;
            tries = 0;
          },
        });
        for await (const event of feed) {
          const parsed = OperatorEventSchema.safeParse(event.data);
          if (!parsed.success) continue;
          lastId = parsed.data.id;
          input.print(input.values.json ? JSON.stringify(parsed.data) : line(parsed.data));
        }
      } catch (err) {
        // The first connection must work; later, the coordinator may be restarting.
        if (!opened) throw err;
      }
      tries += 1;
      if (tries > RECONNECT_TRIES) {
        throw new CliError(`lost the coordinator at ${client.url} and could not reconnect`);
      }
      if (tries === 1) input.note('The coordinator closed the feed; reconnecting…');
      await sleep(RECONNECT_MS);
    }
  },
};
