/**
 * A coordinator killed in the middle of handing an answer on: between taking it off its requester's
 * queue (a wait without request_id) and writing the result, or between storing it (the commit of
 * respond_to_request) and queueing it for its requester. kill -9 runs nothing after that point, so
 * each is simulated in-process by stopping right there: the next wait, on any coordinator, should
 * still get the answer.
 */
import { ulid } from 'ulid';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { SETTLE_WITHIN_MS } from '../src/service/answers-service.js';
import type { Caller } from '../src/service/caller.js';
import { ANSWER_HOLD_MS } from '../src/service/waits-service.js';
import { createStore } from '../src/store/create-store.js';
import { connectRedis } from '../src/store/redis-client.js';
import { backendTarget } from './helpers/backends.js';
import { startTestCoordinator, type TestCoordinator } from './helpers/coordinator.js';

const coordinators: TestCoordinator[] = [];
afterEach(async () => {
  await Promise.all(coordinators.splice(0).map((c) => c.stop()));
});

const a: Caller = { agentId: 'agent-a' };
const wait = (timeoutSeconds: number) => ({
  timeoutSeconds,
  signal: new AbortController().signal,
});

describe('an answer handed out by a coordinator that then died', () => {
  it('is returned by the next wait_for_response without request_id, on another coordinator', async () => {
    const first = await startTestCoordinator();
    const second = await startTestCoordinator({}, 'single', first.prefix);
    coordinators.push(first, second);
    await first.services.agents.seen('agent-b');
    const { request_id } = await first.services.requests.send(a, { to: 'agent-b', message: 'q' });
    await first.services.answers.respond('agent-b', { request_id, response: 'the answer' });

    // The first coordinator takes the answer for agent-a's wait and dies before writing it:
    // the give-back it registered never runs.
    const taken = await first.services.waits.forResponse(a, undefined, {
      ...wait(0),
      onSettled: () => {}, // the result never settles: the process died
    });
    expect(taken).toMatchObject({ status: 'received', response: { request_id } });
    const takenAt = Date.now();
    await first.stop();

    // agent-a calls again (or its client resumes the cut wait) on the other coordinator; nothing
    // rings when the answer's hold ends, yet the wait has it then, not at its next safety poll.
    const again = await second.services.waits.forResponse(a, undefined, wait(30));
    expect(again).toMatchObject({ status: 'received', response: { request_id } });
    expect(Date.now() - takenAt).toBeLessThan(ANSWER_HOLD_MS + 4_000);
    // The answer itself is stored: a wait by request_id gets it.
    const byId = await second.services.waits.forResponse(a, request_id, wait(0));
    expect(byId).toMatchObject({ status: 'received', response: { response: 'the answer' } });
  });

  it('reaches a wait without request_id soon when the coordinator died right after storing it', {
    timeout: 30_000,
  }, async () => {
    const c = await startTestCoordinator();
    coordinators.push(c);
    await c.services.agents.seen('agent-b');
    const { request_id } = await c.services.requests.send(a, { to: 'agent-b', message: 'q' });
    // respond_to_request's commit (its first round trip: the answer stored, and the request's
    // deadline entry brought close), and nothing after it: the process died there.
    const redis = connectRedis(backendTarget('single'), createLogger('silent'));
    await expect.poll(async () => (await redis.pingAll()).every((n) => n.ok)).toBe(true);
    try {
      const store = createStore(redis, c.prefix);
      await store.deadlines.nudge('agent-b', request_id, Date.now() + SETTLE_WITHIN_MS);
      const commit = await store.requests.respond(
        'agent-b',
        request_id,
        {
          response_id: ulid(),
          response: 'the answer',
          status: 'success',
          answered_at: new Date().toISOString(),
        },
        3_600_000,
      );
      expect(commit.result).toBe('answered');
    } finally {
      await redis.close();
    }
    // agent-a's wait without request_id: the answer is not in its queue yet (that came after
    // the commit); the sweep puts it there within SETTLE_WITHIN_MS.
    const any = await c.services.waits.forResponse(a, undefined, wait(10));
    expect.soft(any).toMatchObject({ status: 'received', response: { request_id } });
    // The answer is stored: a wait by request_id gets it at once.
    const byId = await c.services.waits.forResponse(a, request_id, wait(0));
    expect(byId).toMatchObject({ status: 'received', response: { response: 'the answer' } });
  });
});
