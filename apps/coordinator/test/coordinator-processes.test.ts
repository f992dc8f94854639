/**
 * Several coordinator processes (the built `dist/main.js`) on one Redis: agents spread across
 * them, and a process killed with SIGKILL while waits are parked and requests are in flight.
 */
import { randomUUID } from 'node:crypto';
import type { AgentInfo, DeliveredRequest, Response } from '@c3po/protocol';
import { type CoordinatorProcess, startCoordinatorProcess } from '@c3po/test-support';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type Agent, connectAgent } from './helpers/mcp-client.js';
import { takeAnswers } from './helpers/take-answers.js';

const processes: CoordinatorProcess[] = [];
const agents: Agent[] = [];

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close().catch(() => {})));
  await Promise.all(processes.splice(0).map((p) => p.stop(2_000)));
});

async function startProcesses(n: number, env: Record<string, string> = {}) {
  const prefix = `t-${randomUUID().slice(0, 8)}`;
  const started = await Promise.all(
    Array.from({ length: n }, () =>
      startCoordinatorProcess({
        REDIS_URL: inject('redisUrl'),
        C3PO_KEY_PREFIX: prefix,
        C3PO_SEND_RATE_PER_MINUTE: '10000',
        ...env,
      }),
    ),
  );
  processes.push(...started);
  return { started, prefix };
}

async function agentOn(p: { url: string }, id: string) {
  const agent = await connectAgent(p.url, id);
  agents.push(agent);
  return agent;
}

type Received = { status: string; requests?: DeliveredRequest[] };

describe('several coordinator processes on one Redis', () => {
  it('carry multi-turn conversations between agents on different processes', async () => {
    const { started } = await startProcesses(3);
    const [p1, p2, p3] = started as [CoordinatorProcess, CoordinatorProcess, CoordinatorProcess];
    const a = await agentOn(p1, 'agent-a');
    const b = await agentOn(p2, 'agent-b');
    await b.call('list_agents');
    let conversation: string | undefined;
    for (let turn = 0; turn < 3; turn++) {
      const listening = b.call<Received>('wait_for_request', { timeout_seconds: 10 });
      await new Promise((r) => setTimeout(r, 100));
      const sent = await a.call<{ request_id: string; conversation_id: string }>('send_request', {
        to: 'agent-b',
        message: `turn ${turn}`,
        ...(conversation ? { conversation_id: conversation } : {}),
      });
      conversation = sent.conversation_id;
      const got = await listening;
      expect(got.requests?.map((r) => r.message)).toEqual([`turn ${turn}`]);
      // The answer goes through the third process; the wait for it is on the first.
      const waiting = a.call<{ response: Response }>('wait_for_response', {
        request_id: sent.request_id,
        timeout_seconds: 10,
      });
      const c = await agentOn(p3, 'agent-b');
      await c.call('respond_to_request', { request_id: sent.request_id, response: `ok ${turn}` });
      expect((await waiting).response.response).toBe(`ok ${turn}`);
    }
    const replay = await b.call<{ messages: { type: string }[] }>('get_conversation', {
      conversation_id: conversation,
    });
    expect(replay.messages.map((m) => m.type)).toEqual([
      'request',
      'response',
      'request',
      'response',
      'request',
      'response',
    ]);
  });

  it('answers every request exactly once when a process is killed with waits parked and requests in flight', {
    timeout: 90_000,
  }, async () => {
    const { started } = await startProcesses(3, { C3PO_REDELIVER_AFTER_MS: '2000' });
    const [victim, p2, p3] = started as [
      CoordinatorProcess,
      CoordinatorProcess,
      CoordinatorProcess,
    ];
    const survivors = [p2, p3];
    const names = Array.from({ length: 100 }, (_, i) => `w-${i}`);
    /** request id → how often a recipient got it as new (delivery_count 1), and in all. */
    const asNew = new Map<string, number>();
    const handedOut = new Map<string, number>();
    let stop = false;

    // Each recipient listens on the victim first, then (after its connection breaks) on a survivor.
    const listen = async (name: string, i: number) => {
      let agent = await agentOn(victim, name);
      await agent.call('list_agents');
      while (!stop) {
        let got: Received;
        try {
          // A wait cut by the crash resumes on the same address; this one's address is gone
          // for good, so it gives up after the client's own timeout and moves.
          got = await agent.call<Received>(
            'wait_for_request',
            { timeout_seconds: 2 },
            { timeout: 6_000 },
          );
        } catch {
          await agent.close().catch(() => {});
          agent = await agentOn(survivors[i % 2] as CoordinatorProcess, name);
          continue;
        }
        for (const r of got.requests ?? []) {
          handedOut.set(r.request_id, (handedOut.get(r.request_id) ?? 0) + 1);
          if (r.delivery_count === 1) asNew.set(r.request_id, (asNew.get(r.request_id) ?? 0) + 1);
          await agent
            .call('respond_to_request', { request_id: r.request_id, response: `re ${r.message}` })
            .catch(() => {}); // redelivered and answered again: the retry is harmless
        }
      }
    };
    const listeners = names.map(listen);
    await new Promise((r) => setTimeout(r, 1_000));

    const sender = await agentOn(p2, 'sender');
    const sent = new Map<string, string>(); // idempotency key → request id
    const send = async (to: string, n: number) => {
      const key = `${to}-${n}`;
      for (;;) {
        try {
          const s = await sender.call<{ request_id: string }>('send_request', {
            to,
            message: key,
            idempotency_key: key,
          });
          sent.set(key, s.request_id);
          return;
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    };
    const sending = Promise.all(names.flatMap((to) => [send(to, 0), send(to, 1)]));
    await new Promise((r) => setTimeout(r, 150));
    victim.child.kill('SIGKILL');
    await sending;

    // Every request is answered, exactly once as far as its sender can tell.
    const answered = await takeAnswers(
      () =>
        sender.call<{ status: string; response?: Response }>('wait_for_response', {
          timeout_seconds: 5,
        }),
      sent.size,
      400,
    );
    stop = true;
    await Promise.all(listeners);
    expect(answered.size).toBe(200);
    expect(new Set(sent.values())).toEqual(new Set(answered.keys()));
    for (const [key, id] of sent) expect(answered.get(id)?.response).toBe(`re ${key}`);
    // Nothing was delivered as new twice; redeliveries say so with their count.
    expect([...asNew.values()].filter((n) => n > 1)).toEqual([]);
    expect([...answered.keys()].every((id) => (handedOut.get(id) ?? 0) >= 1)).toBe(true);
  });

  it('lets an agent wait again at once on a restarted process, and stops listing it as waiting', async () => {
    const env = { C3PO_MAX_WAITS_PER_AGENT: '2' };
    const { started, prefix } = await startProcesses(1, env);
    const victim = started[0] as CoordinatorProcess;
    const x = await agentOn(victim, 'agent-x');
    const parked = [1, 2].map(() =>
      x.call('wait_for_request', { timeout_seconds: 60 }).catch(() => 'gone'),
    );
    await new Promise((r) => setTimeout(r, 500));
    victim.child.kill('SIGKILL');
    await Promise.all(parked);

    const next = await startCoordinatorProcess({
      REDIS_URL: inject('redisUrl'),
      C3PO_KEY_PREFIX: prefix,
      ...env,
    });
    processes.push(next);
    const x2 = await agentOn(next, 'agent-x');
    const w = await x2.call<{ status: string }>('wait_for_request', { timeout_seconds: 0 });
    expect(w.status).toBe('timeout');
    const observer = await agentOn(next, 'observer');
    const started2 = Date.now();
    await expect
      .poll(
        async () =>
          (await observer.call<{ agents: AgentInfo[] }>('list_agents')).agents.find(
            (a) => a.agent_id === 'agent-x',
          )?.waiting,
        { timeout: 10_000, interval: 250 },
      )
      .toBe(false);
    expect(Date.now() - started2).toBeLessThan(10_000);
  });

  it('resumes a wait cut by a crash on the coordinator that takes over the address', async () => {
    const { started, prefix } = await startProcesses(1, { C3PO_PROGRESS_INTERVAL_MS: '500' });
    const victim = started[0] as CoordinatorProcess;
    const b = await agentOn(victim, 'agent-b');
    const a = await agentOn(victim, 'agent-a');
    await b.call('list_agents');
    const progress: number[] = [];
    const waiting = b.call<Received>(
      'wait_for_request',
      { timeout_seconds: 30 },
      { onprogress: (p) => progress.push(p.progress), timeout: 60_000 },
    );
    await expect.poll(() => progress.length, { timeout: 5_000 }).toBeGreaterThan(0);
    victim.child.kill('SIGKILL');
    await victim.exited;
    const next = await startCoordinatorProcess({
      REDIS_URL: inject('redisUrl'),
      C3PO_KEY_PREFIX: prefix,
      C3PO_PORT: String(victim.port),
    });
    processes.push(next);
    const a2 = await agentOn(next, 'agent-a');
    await new Promise((r) => setTimeout(r, 1_000));
    await a2.call('send_request', { to: 'agent-b', message: 'after the crash' });
    const got = await waiting;
    expect(got.status).toBe('received');
    expect(got.requests?.map((r) => r.message)).toEqual(['after the crash']);
    void a;
  });
});
