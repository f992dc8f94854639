import { afterEach, describe, expect, it } from 'vitest';
import { startTestCoordinator, type TestCoordinator } from './helpers/coordinator.js';
import { request } from './helpers/http.js';
import { type Agent, connectAgent } from './helpers/mcp-client.js';

let coordinator: TestCoordinator;
const agents: Agent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
  await coordinator.stop();
});

const scrape = async (headers: Record<string, string> = {}) =>
  request(`${coordinator.url}/metrics`, { headers });

/** The value of one sample line, e.g. `c3po_requests_total{event="sent"}`. */
const value = (text: string, sample: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
};

describe('/metrics', () => {
  it('counts tool calls, request events, HTTP answers, and shows what waits', async () => {
    coordinator = await startTestCoordinator();
    const a = await connectAgent(coordinator.url, 'agent-a');
    const b = await connectAgent(coordinator.url, 'agent-b');
    agents.push(a, b);
    await b.call('list_agents');
    const { request_id } = await a.call<{ request_id: string }>('send_request', {
      to: 'agent-b',
      message: 'q',
    });
    await b.call('wait_for_request', { timeout_seconds: 1 });
    await b.call('respond_to_request', { request_id, response: 'r' });
    // Too late to cancel: nothing was cancelled, so no event says so.
    expect(await a.call('cancel_request', { request_id })).toMatchObject({ state: 'answered' });
    await a.raw('send_request', { to: 'nobody', message: 'x' });
    const waiting = b.call('wait_for_request', { timeout_seconds: 2 });
    await expect.poll(() => coordinator.services.waits.openCount()).toBe(1);

    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0.0.4/);
    const text = res.text;
    expect(value(text, 'c3po_tool_calls_total{tool="send_request",outcome="ok"}')).toBe(1);
    expect(value(text, 'c3po_tool_calls_total{tool="send_request",outcome="unknown_agent"}')).toBe(
      1,
    );
    expect(value(text, 'c3po_tool_call_duration_seconds_count{tool="respond_to_request"}')).toBe(1);
    expect(value(text, 'c3po_requests_total{event="sent"}')).toBe(1);
    expect(value(text, 'c3po_requests_total{event="delivered"}')).toBe(1);
    expect(value(text, 'c3po_requests_total{event="answered"}')).toBe(1);
    expect(value(text, 'c3po_requests_total{event="cancelled"}')).toBeUndefined();
    expect(value(text, 'c3po_waiters')).toBe(1);
    // The answer's deadline entry goes right after respond_to_request returns.
    await expect.poll(async () => value((await scrape()).text, 'c3po_requests_open')).toBe(0);
    expect(value(text, 'c3po_agents{status="online"}')).toBe(2);
    expect(value(text, 'c3po_http_responses_total{class="2xx"}')).toBeGreaterThan(5);
    expect(text).toMatch(/^c3po_process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^c3po_redis_errors_total 0$/m);
    expect(text).toMatch(/^c3po_redis_up 1$/m);
    await waiting;
  });

  it('needs the admin, a viewer or the metrics token in token mode', async () => {
    const admin = 'admin-secret-for-tests-0123456789';
    const scraper = 'scrape-secret-0123456789';
    coordinator = await startTestCoordinator({
      C3PO_AUTH_MODE: 'token',
      C3PO_ADMIN_TOKEN: admin,
      C3PO_METRICS_TOKEN: scraper,
    });
    expect((await scrape()).status).toBe(403);
    expect((await scrape({ Authorization: 'Bearer wrong-token-0123456789' })).status).toBe(403);
    expect((await scrape({ Authorization: `Bearer ${scraper}` })).status).toBe(200);
    expect((await scrape({ Authorization: `Bearer ${admin}` })).status).toBe(200);
  });
});
