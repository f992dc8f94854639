/**
 * The floor: the same round trip done with raw Redis commands and no coordinator. A's XADD wakes
 * B's blocked XREADGROUP; B XADDs the answer and XACKs; that wakes A's blocked XREADGROUP.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { now } from './stats.js';

type Client = ReturnType<typeof createClient>;

async function client(url: string): Promise<Client> {
  const c = createClient({ url, RESP: 2 });
  c.on('error', () => {});
  await c.connect();
  return c as Client;
}

/** One requester/responder pair with its own streams; `roundTrip()` measures one exchange. */
async function pair(url: string) {
  const id = randomUUID();
  const requests = `bench:${id}:req`;
  const responses = `bench:${id}:res`;
  const [aCmd, aRead, bCmd, bRead] = await Promise.all([
    client(url),
    client(url),
    client(url),
    client(url),
  ]);
  await aCmd.xGroupCreate(requests, 'g', '$', { MKSTREAM: true });
  await aCmd.xGroupCreate(responses, 'g', '$', { MKSTREAM: true });
  let running = true;
  const responder = (async () => {
    while (running) {
      const got = await bRead.xReadGroup(
        'g',
        'b',
        { key: requests, id: '>' },
        { BLOCK: 1000, COUNT: 1 },
      );
      const entry = got?.[0]?.messages[0];
      if (!entry) continue;
      await bCmd.xAdd(responses, '*', { re: entry.id, body: 'answer' });
      await bCmd.xAck(requests, 'g', entry.id);
    }
  })();
  return {
    async roundTrip(): Promise<number> {
      const started = now();
      await aCmd.xAdd(requests, '*', { body: 'question' });
      for (;;) {
        const got = await aRead.xReadGroup(
          'g',
          'a',
          { key: responses, id: '>' },
          { BLOCK: 5000, COUNT: 1 },
        );
        const entry = got?.[0]?.messages[0];
        if (entry) {
          await aCmd.xAck(responses, 'g', entry.id);
          return now() - started;
        }
      }
    },
    async close() {
      running = false;
      await responder;
      await Promise.all([aCmd, aRead, bCmd, bRead].map((c) => c.close()));
    },
  };
}

/** Round-trip samples (ms) with `pairs` concurrent pairs doing `each` exchanges each. */
export async function rawRoundTrips(url: string, pairs: number, each: number): Promise<number[]> {
  const all = await Promise.all(Array.from({ length: pairs }, () => pair(url)));
  for (const p of all) for (let i = 0; i < 20; i++) await p.roundTrip(); // warm-up
  const samples: number[] = [];
  await Promise.all(
    all.map(async (p) => {
      for (let i = 0; i < each; i++) samples.push(await p.roundTrip());
    }),
  );
  await Promise.all(all.map((p) => p.close()));
  return samples;
}

/** What parking N waiters costs when each blocks on its own connection (the design it replaces). */
export async function rawParkedWaiters(url: string, n: number, admin: Client) {
  const memBefore = await usedMemoryMb(admin);
  const clients = await Promise.all(Array.from({ length: n }, () => client(url)));
  const keys = clients.map((_, i) => `bench:park:${randomUUID()}:${i}`);
  await Promise.all(keys.map((k) => admin.xGroupCreate(k, 'g', '$', { MKSTREAM: true })));
  const reads = clients.map((c, i) =>
    c.xReadGroup('g', 'c', { key: keys[i] as string, id: '>' }, { BLOCK: 0, COUNT: 1 }),
  );
  await new Promise((r) => setTimeout(r, 500));
  const connections = Number(/connected_clients:(\d+)/.exec(await admin.info('clients'))?.[1]);
  const memAfter = await usedMemoryMb(admin);
  await Promise.all(keys.map((k) => admin.xAdd(k, '*', { wake: '1' })));
  await Promise.all(reads);
  await Promise.all(clients.map((c) => c.close()));
  return { connections, redisMemoryMb: memAfter - memBefore };
}

export async function usedMemoryMb(admin: Client): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]) / 1024 / 1024;
}

export { client as rawClient };
