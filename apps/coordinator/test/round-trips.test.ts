/**
 * The Redis round trips each tool waits for, one after another (parallel commands count as one):
 * at most two per tool. Each count is pinned, so a change that adds a round trip fails here.
 */
import type { Response } from '@c3po/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRoundTrips } from '../src/store/round-trips.js';
import { BACKENDS, type Backend } from './helpers/backends.js';
import { startTestCoordinator, type TestCoordinator } from './helpers/coordinator.js';

describe.each(BACKENDS)('Redis round trips per tool (%s Redis)', (backend: Backend) => {
  let coordinator: TestCoordinator;
  beforeAll(async () => {
    coordinator = await startTestCoordinator({ C3PO_SEND_RATE_PER_MINUTE: '1000' }, backend);
    const { agents } = coordinator.services;
    await agents.seen('agent-a');
    await agents.seen('agent-b');
  });
  afterAll(async () => {
    await coordinator.stop();
  });

  const a = { agentId: 'agent-a' };
  const b = { agentId: 'agent-b' };
  const signal = new AbortController().signal;
  const count = async <T>(work: () => Promise<T>) => countRoundTrips(work);

  it('pins the count of every tool', async () => {
    const s = coordinator.services;
    const measured: Record<string, number> = {};
    const note = async <T>(name: string, work: () => Promise<T>) => {
      const { result, roundTrips } = await count(work);
      measured[name] = roundTrips;
      return result;
    };

    await note('list_agents', () => s.agents.list());
    const sent = await note('send_request', () =>
      s.requests.send(a, { to: 'agent-b', message: 'q' }),
    );
    await note('send_request (follow-up)', () =>
      s.requests.send(a, { to: 'agent-b', message: 'q2', conversation_id: sent.conversation_id }),
    );
    await note('get_pending_requests', () => s.requests.pending('agent-b', 20));
    await note('wait_for_request (at once)', () =>
      s.waits.forRequest(b, { timeoutSeconds: 0, signal }),
    );
    await note('respond_to_request', () =>
      s.answers.respond('agent-b', { request_id: sent.request_id, response: 'r' }),
    );
    const answered = await note('wait_for_response by id (at once)', () =>
      s.waits.forResponse(a, sent.request_id, { timeoutSeconds: 0, signal }),
    );
    expect((answered.response as Response | undefined)?.response).toBe('r');
    const second = await s.requests.send(a, { to: 'agent-b', message: 'q3' });
    await s.answers.respond('agent-b', { request_id: second.request_id, response: 'r3' });
    const any = await note('wait_for_response (at once)', () =>
      s.waits.forResponse(a, undefined, { timeoutSeconds: 0, signal }),
    );
    expect((any.response as Response | undefined)?.response).toBe('r3');
    const other = await s.requests.send(a, { to: 'agent-b', message: 'never mind' });
    await note('cancel_request', () => s.requests.cancel(a, { request_id: other.request_id }));
    await note('get_conversation', () =>
      s.conversations.get('agent-a', { conversation_id: sent.conversation_id }),
    );

    expect(measured).toEqual({
      list_agents: 2,
      send_request: 2,
      'send_request (follow-up)': 2,
      get_pending_requests: 2,
      'wait_for_request (at once)': 1,
      respond_to_request: 1,
      'wait_for_response by id (at once)': 1,
      'wait_for_response (at once)': 2,
      cancel_request: 1,
      get_conversation: 2,
    });
  });
});
