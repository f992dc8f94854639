/**
 * End to end with the real Claude Code CLI and a coordinator that requires tokens: with C3PO_TOKEN
 * the plugin's MCP connection and hooks both carry it; without, the session is told why it is not
 * connected and still finishes normally.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseResult, runSession, stopAllSessions, TOOL } from './helpers/claude-session.js';
import { type CoordinatorProcess, startTokenCoordinator } from './helpers/coordinator-process.js';
import { type FakeModel, startFakeModel } from './helpers/fake-model.js';

describe('a coordinator in token mode', () => {
  let coordinator: CoordinatorProcess & { token: string };
  let fake: FakeModel;

  beforeAll(async () => {
    coordinator = await startTokenCoordinator('tok-*');
    // The model lists the agents when it has the tool, and stops.
    fake = await startFakeModel((r) =>
      r.tools.includes(TOOL('list_agents')) && r.results.length === 0
        ? { toolUse: { name: TOOL('list_agents'), input: {} } }
        : { text: r.results.length > 0 ? 'Listed.' : 'No C3PO tools.' },
    );
  });

  afterAll(async () => {
    await stopAllSessions();
    await fake?.close();
    await coordinator?.stop();
  });

  const session = (token?: string) =>
    runSession({
      prompt: 'Who is there?',
      modelUrl: fake.url,
      coordinatorUrl: coordinator.url,
      agentId: 'tok-cli',
      ...(token === undefined ? {} : { token }),
    });

  it('with C3PO_TOKEN: MCP tools and hooks are authorised', async () => {
    const since = Date.now();
    const run = await session(coordinator.token);
    expect(run.result, run.stderr).toMatchObject({ subtype: 'success', result: 'Listed.' });
    const turns = fake.turns().filter((t) => t.at >= since);
    expect(turns[0]?.texts.join('\n')).toContain(
      `connected to the coordinator at ${coordinator.url} as agent "tok-cli"`,
    );
    const listed = turns.at(-1)?.results.find((x) => x.name === TOOL('list_agents'));
    expect(listed?.isError).toBe(false);
    expect(parseResult<{ agents: { agent_id: string }[] }>(listed?.text).agents).toContainEqual(
      expect.objectContaining({ agent_id: 'tok-cli' }),
    );
  });

  it('without it: SessionStart says why, no tools, and the session still finishes', async () => {
    const since = Date.now();
    const run = await session();
    expect(run.result, run.stderr).toMatchObject({
      subtype: 'success',
      is_error: false,
      result: 'No C3PO tools.',
    });
    const init = run.events.find((e) => e.event.subtype === 'init')?.event;
    // The coordinator refused the MCP connection (403, never 401, so no OAuth flow starts).
    expect(init?.mcp_servers).toContainEqual({
      name: 'plugin:c3po:c3po',
      status: 'failed',
      source: 'plugin',
    });
    const context = fake
      .turns()
      .filter((t) => t.at >= since)[0]
      ?.texts.join('\n');
    expect(context).toContain(`C3PO: not connected to the coordinator at ${coordinator.url}: `);
    expect(context).toContain('C3PO_TOKEN');
  });
});
