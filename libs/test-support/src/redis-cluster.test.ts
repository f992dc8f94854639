import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisCommand, startRedisCluster, type TestRedisCluster } from './redis-cluster.js';

describe('startRedisCluster', () => {
  let cluster: TestRedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await cluster?.dispose();
  });

  it('starts 3 masters and 3 replicas that serve all 16384 slots', async () => {
    const nodes = await cluster.nodes();
    expect(nodes.map((n) => n.port).sort()).toEqual(
      cluster.seeds.map((url) => Number(new URL(url).port)).sort(),
    );
    const masters = nodes.filter((n) => n.role === 'master');
    expect(masters).toHaveLength(3);
    expect(nodes.filter((n) => n.role === 'replica')).toHaveLength(3);
    const served = masters
      .flatMap((n) => n.slots)
      .reduce((sum, [from, to]) => sum + to - from + 1, 0);
    expect(served).toBe(16_384);
  });

  it('promotes a replica, with the data, after kill -9 of the master of a key', async () => {
    const client = createCluster({
      rootNodes: cluster.seeds.map((url) => ({ url })),
      defaults: { maintNotifications: 'disabled' },
    });
    const errors: unknown[] = [];
    client.on('error', (error) => errors.push(error));
    await client.connect();
    try {
      const key = `{t:${randomUUID()}}:k`;
      await client.set(key, 'v');
      // the replica has the write before the kill, so it survives the failover. WAIT goes to the
      // key's own master: through cluster.sendCommand it would fan out to every master.
      const master = await client.getNodeClientForKey(key);
      expect(await master.sendCommand(['WAIT', '1', '5000'])).toBe(1);
      expect(await client.get(key)).toBe('v');

      const old = await cluster.masterForKey(key);
      await cluster.killNode(old.port);
      await cluster.waitForFailover(old.port);

      const promoted = await cluster.masterForKey(key);
      expect(promoted.port).not.toBe(old.port);
      expect(await redisCommand(promoted.port, ['GET', key])).toBe('v');

      // node-redis v6 rediscovers the topology by itself; retry through the gap
      let value: string | null | undefined;
      for (const deadline = Date.now() + 60_000; value === undefined && Date.now() < deadline; ) {
        value = await client.get(key).catch(() => undefined);
        if (value === undefined) await sleep(250);
      }
      expect(value).toBe('v');
    } finally {
      client.destroy();
    }
  });
});
