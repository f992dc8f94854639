/**
 * A Redis Cluster master killed with SIGKILL under three coordinator processes: its replica takes
 * over, the coordinators find it by themselves, and every request is answered exactly once.
 */
import type { DeliveredRequest, Response } from '@c3po/protocol';
import {
  type CoordinatorProcess,
  startCoordinatorProcess,
  startRedisCluster,
  type TestRedisCluster,
} from '@c3po/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from './helpers/http.js';
import { type Agent, connectAgent } from './helpers/mcp-client.js';
import { takeAnswers } from './helpers/take-answers.js';

let cluster: TestRedisCluster;
const processes: CoordinatorProcess[] = [];
const agents: Agent[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster();
  const env = {
    REDIS_CLUSTER_NODES: cluster.seeds.join(','),
    C3PO_KEY_PREFIX: 'failover',
    C3PO_SEND_RATE_PER_MINUTE: '10000',
  };
  processes.push(...(await Promise.all([1, 2, 3].map(() => startCoordinatorProcess(env)))));
}, 60_000);

afterAll(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close().catch(() => {})));
  await Promise.all(processes.splice(0).map((p) => p.stop(2_000)));
  await cluster.dispose();
});

const agentOn = async (p: CoordinatorProcess, id: string) => {
  const agent = await connectAgent(p.url, id);
  agents.push(agent);
  return agent;
};

/** Retries a call through errors (Redis failing over), as a patient client would. */
async function patiently<T>(call: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await call();
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

describe('Redis Cluster failover', () => {
  it('answers every request exactly once across a kill -9 of a busy master, and serves again without a restart', {
    timeout: 120_000,
  }, async () => {
    const names = Array.from({ length: 100 }, (_, i) => `w-${i}`);
    const asNew = new Map<string, number>();
    let stop = false;
    const listen = async (name: string, i: number) => {
      const agent = await agentOn(processes[i % 3] as CoordinatorProcess, name);
      await patiently(() => agent.call('list_agents'));
      while (!stop) {
        const got = await agent
          .call<{ requests?: DeliveredRequest[] }>('wait_for_request', { timeout_seconds: 2 })
          .catch(() => ({ requests: [] }));
        for (const r of got.requests ?? []) {
          if (r.delivery_count === 1) asNew.set(r.request_id, (asNew.get(r.request_id) ?? 0) + 1);
          await patiently(() =>
            agent.call('respond_to_request', {
              request_id: r.request_id,
              response: `re ${r.message}`,
            }),
          ).catch(() => {});
        }
      }
    };
    const listeners = names.map(listen);
    await new Promise((r) => setTimeout(r, 2_000));

    const sender = await agentOn(processes[1] as CoordinatorProcess, 'sender');
    const sent = new Map<string, string>();
    const send = async (to: string, n: number) => {
      const key = `${to}-${n}`;
      const s = await patiently(() =>
        sender.call<{ request_id: string }>('send_request', {
          to,
          message: key,
          idempotency_key: key,
        }),
      );
      sent.set(key, s.request_id);
    };
    // The master of the busiest slot: the one serving w-0's keys.
    const victim = await cluster.masterForKey('failover:{w-0}:inbox');
    const sending = Promise.all(
      names.flatMap((to, i) => [
        new Promise((r) => setTimeout(r, i * 20)).then(() => send(to, 0)),
        new Promise((r) => setTimeout(r, 1_000 + i * 20)).then(() => send(to, 1)),
      ]),
    );
    await new Promise((r) => setTimeout(r, 1_000));
    await cluster.killNode(victim.port);
    await cluster.waitForFailover(victim.port);
    await sending;

    const answered = await takeAnswers(
      () =>
        sender
          .call<{ response?: Response }>('wait_for_response', { timeout_seconds: 5 })
          .catch(() => ({ response: undefined })),
      sent.size,
      600,
    );
    stop = true;
    await Promise.all(listeners);
    expect(answered.size).toBe(200);
    expect(new Set(sent.values())).toEqual(new Set(answered.keys()));
    for (const [key, id] of sent) expect(answered.get(id)?.response).toBe(`re ${key}`);
    expect([...asNew.values()].filter((n) => n > 1)).toEqual([]);
    for (const p of processes) {
      const health = await request(`${p.url}/api/health`);
      expect(health.status).toBe(200);
      expect(health.json()).toMatchObject({ mode: 'cluster', redis: 'ok' });
    }
  });
});
