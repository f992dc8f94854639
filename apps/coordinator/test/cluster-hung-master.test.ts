/**
 * A Redis Cluster master that hangs (SIGSTOP: its sockets stay open, nothing answers) while the
 * other masters keep answering: its replica takes over, and the coordinator finds the new master
 * by itself even though replies from the healthy masters keep coming all along.
 */
import { startRedisCluster, type TestRedisCluster } from '@c3po/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeys } from '../src/store/keys.js';
import { startTestCoordinator, type TestCoordinator } from './helpers/coordinator.js';

let cluster: TestRedisCluster;
let c: TestCoordinator;
let frozen: number | undefined;

beforeAll(async () => {
  cluster = await startRedisCluster();
  c = await startTestCoordinator({ REDIS_CLUSTER_NODES: cluster.seeds.join(',') }, 'cluster');
}, 60_000);

afterAll(async () => {
  if (frozen !== undefined) await cluster.killNode(frozen, 'SIGCONT');
  await c?.stop();
  await cluster?.dispose();
});

describe('a hung Redis Cluster master', () => {
  it('is left for its replica while the other masters keep answering', {
    timeout: 90_000,
  }, async () => {
    const keys = createKeys(c.prefix);
    // One agent on the master that will hang, the others spread over the rest.
    const byMaster = new Map<number, string>();
    for (let i = 0; byMaster.size < 3; i++) {
      const { port } = await cluster.masterForKey(keys.inbox(`agent-${i}`));
      if (!byMaster.has(port)) byMaster.set(port, `agent-${i}`);
    }
    const [first, ...others] = [...byMaster.entries()];
    const [victimPort, victim] = first as [number, string];
    for (const agent of byMaster.values()) await c.services.agents.seen(agent);

    // Steady traffic to the healthy masters, replies arriving between the hung master's misses.
    let running = true;
    const traffic = (async () => {
      while (running) {
        await Promise.all(
          others.map(([, agent]) => c.services.requests.peek(agent, 1).catch(() => undefined)),
        );
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    frozen = victimPort;
    await cluster.killNode(victimPort, 'SIGSTOP');
    await cluster.waitForFailover(victimPort, 30_000);
    const started = Date.now();
    let served = false;
    while (!served && Date.now() - started < 45_000) {
      served = await c.services.requests.peek(victim, 1).then(
        () => true,
        () => false,
      );
      if (!served) await new Promise((r) => setTimeout(r, 100));
    }
    running = false;
    await traffic;
    expect(served).toBe(true);
  });
});
