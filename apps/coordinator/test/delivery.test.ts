import type { DeliveredRequest, Response } from '@c3po/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS, type Backend } from './helpers/backends.js';
import { startTestCoordinator as startOn, type TestCoordinator } from './helpers/coordinator.js';
import { type Agent, connectAgent } from './helpers/mcp-client.js';

type Received = { status: string; requests?: DeliveredRequest[] };

describe.each(BACKENDS)('on %s Redis', (backend: Backend) => {
  const startTestCoordinator = (env: Record<string, string> = {}) => startOn(env, backend);
  let coordinator: TestCoordinator;
  const agents: Agent[] = [];
  const connect = async (id: string) => {
    const agent = await connectAgent(coordinator.url, id);
    agents.push(agent);
    return agent;
  };

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((x) => x.close()));
    await coordinator.stop();
  });

  describe('at-least-once delivery', () => {
    it("hands an unanswered request to the agent's next session, with its delivery count", async () => {
      coordinator = await startTestCoordinator({ C3PO_REDELIVER_AFTER_MS: '300' });
      const a = await connect('agent-a');
      const b1 = await connect('agent-b');
      const { request_id } = await a.call<{ request_id: string }>('send_request', {
        to: 'agent-b',
        message: 'do it',
      });
      const first = await b1.call<Received>('wait_for_request', { timeout_seconds: 5 });
      expect(first.requests?.[0]?.delivery_count).toBe(1);
      await b1.close(); // this session dies before answering

      const b2 = await connect('agent-b');
      const second = await b2.call<Received>('wait_for_request', { timeout_seconds: 5 });
      expect(second.requests?.map((r) => [r.request_id, r.delivery_count])).toEqual([
        [request_id, 2],
      ]);
      await b2.call('respond_to_request', { request_id, response: 'done at last' });
      const answer = await a.call<{ response: Response }>('wait_for_response', {
        request_id,
        timeout_seconds: 5,
      });
      expect(answer.response.response).toBe('done at last');
      expect((await b2.call<Received>('wait_for_request', { timeout_seconds: 1 })).status).toBe(
        'timeout',
      );
    });

    it('gives the requester an error response, not silence, when a request is never answered', async () => {
      coordinator = await startTestCoordinator({
        C3PO_REDELIVER_AFTER_MS: '100',
        C3PO_MAX_DELIVERIES: '2',
      });
      const a = await connect('agent-a');
      const b = await connect('agent-b');
      const { request_id } = await a.call<{ request_id: string }>('send_request', {
        to: 'agent-b',
        message: 'hard one',
      });
      const waitForAnswer = a.call<{ status: string; response: Response }>('wait_for_response', {
        request_id,
        timeout_seconds: 10,
      });
      const deliveries: number[] = [];
      for (let i = 0; i < 3; i++) {
        const got = await b.call<Received>('wait_for_request', { timeout_seconds: 1 });
        deliveries.push(...(got.requests ?? []).map((r) => r.delivery_count));
        await new Promise((r) => setTimeout(r, 150));
      }
      expect(deliveries).toEqual([1, 2]);
      const answer = await waitForAnswer;
      expect(answer.response).toMatchObject({
        status: 'error',
        from: 'agent-b',
        to: 'agent-a',
        request_id,
      });
      expect(answer.response.response).toMatch(/received this request 2 times without answering/);
      const pending = await b.call<{ total: number }>('get_pending_requests');
      expect(pending.total).toBe(0);
      const replay = await a.call<{ messages: { type: string; status?: string }[] }>(
        'get_conversation',
        {
          conversation_id: answer.response.conversation_id,
        },
      );
      expect(replay.messages.map((m) => m.status ?? m.type)).toEqual(['request', 'error']);
    });

    it('does not hand out again a request answered before any tool call delivered it', async () => {
      coordinator = await startTestCoordinator();
      const a = await connect('agent-a');
      const b = await connect('agent-b');
      // b learns the request id from a hook's text, not from a tool: the request is never delivered.
      const { request_id } = await a.call<{ request_id: string }>('send_request', {
        to: 'agent-b',
        message: 'quick one',
      });
      await b.call('respond_to_request', { request_id, response: 'answered from the hook text' });
      expect((await b.call<Received>('wait_for_request', { timeout_seconds: 0 })).status).toBe(
        'timeout',
      );
      expect((await b.call<{ total: number }>('get_pending_requests')).total).toBe(0);
      const answer = await a.call<{ response: Response }>('wait_for_response', {
        request_id,
        timeout_seconds: 0,
      });
      expect(answer.response.response).toBe('answered from the hook text');
    });
  });
});
