/** One agent's inbox flooded to its limit with 64 KiB requests: do the others notice? */
import { leanAgent } from './lean-client.js';
import { type Proc, startCoordinator } from './processes.js';
import { now, type Summary, summarize } from './stats.js';

export async function floodedInbox(redis: Proc): Promise<{ sent: number; others: Summary }> {
  const coordinator = await startCoordinator(redis.url);
  try {
    const flooder = leanAgent(coordinator.url, 'flooder');
    const victim = leanAgent(coordinator.url, 'victim');
    await victim.call('list_agents');
    const big = 'x'.repeat(64 * 1024 - 100);
    let sent = 0;
    for (;;) {
      const ok = await flooder.call('send_request', { to: 'victim', message: big }).then(
        () => true,
        () => false,
      );
      if (!ok) break;
      sent += 1;
    }
    let stop = false;
    const hook = (agent: string, event: string) =>
      fetch(`${coordinator.url}/api/hooks/${event}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Agent-ID': agent },
        body: JSON.stringify({ session_id: `s-${agent}`, tool_name: 'Bash' }),
      }).then((r) => r.text());
    // The flooded agent keeps reading its inbox and running its hooks meanwhile.
    const busy = (async () => {
      while (!stop) {
        await hook('victim', 'post-tool-use');
        await victim.call('get_pending_requests', { limit: 5 });
      }
    })();
    const a = leanAgent(coordinator.url, 'other-a');
    const b = leanAgent(coordinator.url, 'other-b');
    await b.call('list_agents');
    const samples: number[] = [];
    const timed = async <T>(work: () => Promise<T>) => {
      const started = now();
      const result = await work();
      samples.push(now() - started);
      return result;
    };
    for (let i = 0; i < 200; i++) {
      const { request_id } = await timed(() =>
        a.call<{ request_id: string }>('send_request', { to: 'other-b', message: `q${i}` }),
      );
      await timed(() => b.call('get_pending_requests'));
      await timed(() => hook('other-b', 'post-tool-use'));
      await timed(() => b.call('respond_to_request', { request_id, response: 'ok' }));
    }
    stop = true;
    await busy;
    return { sent, others: summarize(samples) };
  } finally {
    await coordinator.stop();
  }
}
