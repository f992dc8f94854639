/**
 * A coordinator that dies between taking an answer off its requester's queue (a wait without
 * request_id) and writing the result: kill -9 runs no "give back", so the next wait, on any
 * coordinator, should still get the answer. Simulated in-process: the undo the wait registers is
 * never run, exactly as after SIGKILL.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Caller } from '../src/service/caller.js';
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
    await first.stop();

    // agent-a calls again (or its client resumes the cut wait) on the other coordinator.
    const again = await second.services.waits.forResponse(a, undefined, wait(10));
    expect.soft(again).toMatchObject({ status: 'received', response: { request_id } });
    // The answer itself is stored: a wait by request_id gets it.
    const byId = await second.services.waits.forResponse(a, request_id, wait(0));
    expect(byId).toMatchObject({ status: 'received', response: { response: 'the answer' } });
  });
});
