/** @module A real Redis Cluster (3 masters + 3 replicas) on free loopback ports, for failover tests. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const SLOTS = 16_384;
/** Signals after which `killNode` waits for the process to exit. */
const TERMINATING: ReadonlySet<string> = new Set(['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGQUIT']);
/** Redis opens its cluster bus on the client port plus this. */
const BUS_OFFSET = 10_000;

export interface ClusterNode {
  url: string;
  port: number;
  pid: number;
  role: 'master' | 'replica';
  /** Inclusive slot ranges this node serves (empty for a replica). */
  slots: [number, number][];
}

export interface TestRedisCluster {
  /** `redis://` URLs of all six nodes, for `createCluster({ rootNodes })`. */
  seeds: string[];
  /** The running nodes, as a running node's `CLUSTER NODES` sees them (killed ones left out). */
  nodes(): Promise<ClusterNode[]>;
  /** The master serving the slot of `key` now; throws while no live master serves it. */
  masterForKey(key: string): Promise<Pick<ClusterNode, 'port' | 'pid' | 'url'>>;
  /**
   * Signals one node and resolves once its process has exited (at once for a signal that does not
   * end it, such as `SIGSTOP`, which freezes it like a hung host, or `SIGCONT`).
   */
  killNode(port: number, signal?: NodeJS.Signals): Promise<void>;
  /**
   * Resolves once every surviving node reports `cluster_state:ok` and sees all 16384 slots served
   * by live masters (so a replica has taken over the slots of `oldMasterPort`).
   */
  waitForFailover(oldMasterPort: number, timeoutMs?: number): Promise<void>;
  /** SIGKILLs every node and removes their directories. */
  dispose(): Promise<void>;
}

export interface RedisClusterOptions {
  /** `--cluster-node-timeout`: how long a master may be unreachable before its replica takes over. @default 2000 */
  nodeTimeoutMs?: number;
  /** Extra redis-server settings for every node; they override the defaults (not port, bind, dir). */
  args?: readonly string[];
}

type Reply = string | number | null;

/** Sends one command over a fresh connection and resolves with its (non-array) reply. */
export function redisCommand(port: number, args: readonly string[]): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    const done = (error: Error | undefined, reply?: Reply) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(reply ?? null);
    };
    socket.setTimeout(2000, () => done(new Error(`no reply from port ${port}`)));
    socket.once('error', (error) => done(error));
    socket.once('connect', () =>
      socket.write(
        `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`,
      ),
    );
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const eol = buffer.indexOf('\r\n');
      if (eol < 0) return;
      const head = buffer.subarray(1, eol).toString();
      switch (String.fromCharCode(buffer[0] ?? 0)) {
        case '+':
          return done(undefined, head);
        case '-':
          return done(new Error(head));
        case ':':
          return done(undefined, Number(head));
        case '$': {
          const length = Number(head);
          if (length < 0) return done(undefined, null);
          if (buffer.length < eol + 2 + length + 2) return; // wait for the rest
          return done(undefined, buffer.subarray(eol + 2, eol + 2 + length).toString());
        }
        default:
          return done(new Error(`unexpected reply from port ${port}: ${head}`));
      }
    });
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A shell that SIGKILLs `pids` and removes `dirs` once this process is gone, even when it was
 * SIGKILLed itself and no `exit` handler ran. It polls once a second; `kill()` it to stand it down.
 */
function startReaper(pids: readonly number[], dirs: readonly string[]): ChildProcess {
  const script = [
    'while kill -0 "$0" 2>/dev/null; do sleep 1; done',
    'for arg in "$@"; do case "$arg" in /*) rm -rf "$arg" ;; *) kill -9 "$arg" 2>/dev/null ;; esac; done',
  ].join('\n');
  const args = [String(process.pid), ...pids.map(String), ...dirs];
  const reaper = spawn('sh', ['-c', script, ...args], { stdio: 'ignore' });
  reaper.once('error', () => {});
  reaper.unref();
  return reaper;
}

/** `count` distinct free ports whose cluster bus port (+10000) is free too. */
async function freeClusterPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let tries = 0; ports.length < count && tries < 1000; tries++) {
    const port = await freePort();
    if (port + BUS_OFFSET > 65_535 || ports.includes(port) || ports.includes(port + BUS_OFFSET))
      continue;
    if (ports.some((p) => p + BUS_OFFSET === port)) continue;
    if (await portIsFree(port + BUS_OFFSET)) ports.push(port);
  }
  if (ports.length < count) throw new Error('found no free ports for a Redis Cluster');
  return ports;
}

interface NodeLine {
  port: number;
  flags: string[];
  slots: [number, number][];
}

/** Parses `CLUSTER NODES` (importing/migrating markers in brackets are ignored). */
function parseClusterNodes(text: string): NodeLine[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [, address = '', flags = '', , , , , , ...slots] = line.trim().split(' ');
      return {
        port: Number(address.split('@')[0]?.split(':')[1]),
        flags: flags.split(','),
        slots: slots
          .filter((s) => !s.startsWith('['))
          .map((s): [number, number] => {
            const [from, to = from] = s.split('-').map(Number) as [number, number?];
            return [from, to];
          }),
      };
    });
}

/**
 * Whether `port` says the cluster is ok, every slot is served by a master in `live`, and it sees
 * at least `replicas` replicas among them.
 */
async function healthy(port: number, live: ReadonlySet<number>, replicas = 0): Promise<boolean> {
  try {
    const info = String(await redisCommand(port, ['CLUSTER', 'INFO']));
    if (!info.includes('cluster_state:ok')) return false;
    const lines = parseClusterNodes(String(await redisCommand(port, ['CLUSTER', 'NODES'])));
    let served = 0;
    let seenReplicas = 0;
    for (const node of lines) {
      if (!live.has(node.port) || node.flags.some((f) => f.startsWith('fail'))) continue;
      if (node.flags.includes('slave')) seenReplicas++;
      if (!node.flags.includes('master')) continue;
      for (const [from, to] of node.slots) served += to - from + 1;
    }
    return served === SLOTS && seenReplicas >= replicas;
  } catch {
    return false;
  }
}

/** Whether `port` is a replica whose link to its master is up (so a failover can promote it). */
async function syncedReplica(port: number): Promise<boolean> {
  const info = String(await redisCommand(port, ['INFO', 'replication']).catch(() => ''));
  return info.includes('role:slave') && info.includes('master_link_status:up');
}

async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Redis Cluster: timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Starts six `redis-server --cluster-enabled yes` processes (no persistence unless `args` say
 * otherwise), joins them with `redis-cli --cluster create … --cluster-replicas 1`, and resolves
 * once every node reports `cluster_state:ok`, all slots are served and every replica is in sync.
 *
 * The nodes are children of the test process: call `dispose()` in `afterAll`. Should the test
 * process end without it, they are SIGKILLed on its `exit` event, or at the latest a second
 * after it died (a small `sh` reaper watches its pid and also removes their directories), so no
 * cluster outlives a killed run.
 *
 * @example
 * const cluster = await startRedisCluster();
 * const client = createCluster({ rootNodes: cluster.seeds.map((url) => ({ url })) });
 */
export async function startRedisCluster(opts: RedisClusterOptions = {}): Promise<TestRedisCluster> {
  const nodeTimeoutMs = opts.nodeTimeoutMs ?? 2000;
  const ports = await freeClusterPorts(6);
  const children = new Map<number, ChildProcess>();
  const dirs: string[] = [];
  let reaper: ChildProcess | undefined;
  const killAll = () => {
    for (const child of children.values()) if (child.exitCode === null) child.kill('SIGKILL');
    reaper?.kill('SIGKILL');
  };
  process.once('exit', killAll);

  const running = (port: number) => {
    const child = children.get(port);
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  };
  const livePorts = () => new Set(ports.filter(running));
  const dispose = async () => {
    process.off('exit', killAll);
    reaper?.kill('SIGKILL');
    await Promise.all(
      [...children.values()].map((child) => {
        if (child.exitCode !== null || child.signalCode !== null) return undefined;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        return exited;
      }),
    );
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };

  try {
    for (const port of ports) {
      const dir = mkdtempSync(join(tmpdir(), 'c3po-test-cluster-'));
      dirs.push(dir);
      const argv = [
        '--save',
        '',
        '--appendonly',
        'no',
        '--cluster-node-timeout',
        String(nodeTimeoutMs),
        // replicas would otherwise wait 5 s before their first full sync
        '--repl-diskless-sync-delay',
        '0',
        ...(opts.args ?? []),
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, 'nodes.conf'),
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
      ];
      const child = spawn('redis-server', argv, { stdio: 'ignore' });
      child.once('error', () => {}); // a missing binary shows as "did not start" below
      children.set(port, child);
    }
    reaper = startReaper(
      [...children.values()].flatMap((child) => child.pid ?? []),
      dirs,
    );
    await waitUntil('redis-server to start (is it on PATH?)', 10_000, async () => {
      const pongs = await Promise.all(ports.map((p) => redisCommand(p, ['PING']).catch(() => '')));
      return pongs.every((reply) => reply === 'PONG');
    });

    await promisify(execFile)(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      { timeout: 60_000 },
    ).catch((error: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(
        `redis-cli --cluster create failed: ${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`,
      );
    });
    const all = new Set(ports);
    await waitUntil('cluster_state:ok and 3 replicas on every node', 30_000, async () =>
      (await Promise.all(ports.map((p) => healthy(p, all, 3)))).every(Boolean),
    );
    await waitUntil(
      'replicas to sync',
      30_000,
      async () => (await Promise.all(ports.map(syncedReplica))).filter(Boolean).length === 3,
    );
  } catch (error) {
    await dispose();
    throw error;
  }

  const nodes = async (): Promise<ClusterNode[]> => {
    const live = livePorts();
    for (const port of live) {
      const text = await redisCommand(port, ['CLUSTER', 'NODES']).catch(() => undefined);
      if (typeof text !== 'string') continue;
      return parseClusterNodes(text)
        .filter((node) => live.has(node.port))
        .map((node) => ({
          url: `redis://127.0.0.1:${node.port}`,
          port: node.port,
          pid: children.get(node.port)?.pid ?? 0,
          role: node.flags.includes('master') ? ('master' as const) : ('replica' as const),
          slots: node.slots,
        }));
    }
    throw new Error('Redis Cluster: no node answers');
  };

  return {
    seeds: ports.map((p) => `redis://127.0.0.1:${p}`),
    nodes,
    async masterForKey(key) {
      const [port] = livePorts();
      if (port === undefined) throw new Error('Redis Cluster: no node is running');
      const slot = Number(await redisCommand(port, ['CLUSTER', 'KEYSLOT', key]));
      const master = (await nodes()).find(
        (n) => n.role === 'master' && n.slots.some(([from, to]) => from <= slot && slot <= to),
      );
      if (!master) throw new Error(`Redis Cluster: no live master serves slot ${slot}`);
      return { port: master.port, pid: master.pid, url: master.url };
    },
    async killNode(port, signal = 'SIGKILL') {
      const child = children.get(port);
      if (!child) throw new Error(`Redis Cluster: no node on port ${port}`);
      if (!running(port)) return;
      if (!TERMINATING.has(signal)) {
        child.kill(signal); // SIGSTOP freezes it like a hung host; SIGCONT thaws it
        return;
      }
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    },
    async waitForFailover(oldMasterPort, timeoutMs = 30_000 + 10 * nodeTimeoutMs) {
      await waitUntil(`failover of the master on port ${oldMasterPort}`, timeoutMs, async () => {
        const live = livePorts();
        live.delete(oldMasterPort);
        const survivors = [...live];
        return (await Promise.all(survivors.map((p) => healthy(p, live)))).every(Boolean);
      });
    },
    dispose,
  };
}
