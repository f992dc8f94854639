/**
 * End to end with the real Claude Code CLI: a session named after its project folder (no
 * C3PO_AGENT_ID) runs `/coordinate status`, then works with a built-in tool while a request
 * arrives; the PostToolUse hook tells it mid-task, once, and it declines the request.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hookRuns,
  parseResult,
  type SessionResult,
  startSession,
  stopAllSessions,
  TOOL,
} from './helpers/claude-session.js';
import { callTool, pending } from './helpers/coordinator-client.js';
import { type CoordinatorProcess, startCoordinator } from './helpers/coordinator-process.js';
import {
  type FakeModel,
  type ModelRequest,
  type Reply,
  startFakeModel,
} from './helpers/fake-model.js';
import { fenced } from './helpers/fence.js';

const AGENT = 'busy-agent'; // the folder "busy agent", sanitised
const REQUEST = 'Could you run the migration on the shared database?';
const NOTICE = 'C3PO: a new request waits for your answer:';

describe('a busy agent hears of a new request mid-task', () => {
  let coordinator: CoordinatorProcess;
  let fake: FakeModel;
  let run: SessionResult;
  let projectDir = '';
  let sent: { request_id: string; conversation_id: string } | undefined;

  /** The model: /coordinate status as the skill says, then some work with Read. */
  async function model(r: ModelRequest): Promise<Reply> {
    const done = (tool: string) => r.results.filter((x) => x.name === tool);
    if (done('Bash').length === 0) {
      // The health check as the skill's text gives it, with the URL from the SessionStart context.
      const skill = r.texts.find((t) => t.startsWith('Base directory for this skill')) ?? '';
      const template = /`(curl [^`]*<url>[^`]*)`/.exec(skill)?.[1];
      const url = /connected to the coordinator at (\S+) as agent/.exec(r.texts.join('\n'))?.[1];
      if (!template || !url) return { text: 'No health check command or no coordinator URL.' };
      const command = template.replace('<url>', url);
      return { toolUse: { name: 'Bash', input: { command, description: 'Check C3PO' } } };
    }
    if (done(TOOL('list_agents')).length === 0)
      return { toolUse: { name: TOOL('list_agents'), input: {} } };
    if (done(TOOL('get_pending_requests')).length === 0) {
      return { toolUse: { name: TOOL('get_pending_requests'), input: {} } };
    }
    if (done('Read').length === 0) {
      // Another agent asks while this one is busy: just before its next tool call.
      sent = await callTool(coordinator.url, 'agent-c', 'send_request', {
        to: AGENT,
        message: REQUEST,
      });
      return { toolUse: { name: 'Read', input: { file_path: join(projectDir, 'notes.txt') } } };
    }
    if (!r.text.includes(NOTICE)) return { text: 'Status done, notes read, nothing new.' };
    // As the notice says: read the requests in full, then answer.
    if (done(TOOL('get_pending_requests')).length === 1) {
      return { toolUse: { name: TOOL('get_pending_requests'), input: {} } };
    }
    if (done(TOOL('respond_to_request')).length === 0) {
      const { requests } = parseResult<{ requests: { request_id: string }[] }>(
        done(TOOL('get_pending_requests'))[1]?.text,
      );
      return {
        toolUse: {
          name: TOOL('respond_to_request'),
          input: {
            request_id: requests[0]?.request_id,
            response: 'I will not touch the shared database without my human.',
            status: 'declined',
          },
        },
      };
    }
    return { text: 'Declined the request from agent-c.' };
  }

  beforeAll(async () => {
    coordinator = await startCoordinator();
    fake = await startFakeModel(model);
    await pending(coordinator.url, 'agent-c');
    const session = startSession({
      prompt: '/coordinate status',
      modelUrl: fake.url,
      coordinatorUrl: coordinator.url,
      folder: 'busy agent',
      allowedTools: ['Bash(curl *)'],
    });
    projectDir = session.projectDir;
    writeFileSync(join(projectDir, 'notes.txt'), 'todo: tidy the changelog\n');
    run = await session.done;
  }, 120_000);

  afterAll(async () => {
    await stopAllSessions();
    await fake?.close();
    await coordinator?.stop();
  });

  it('finishes normally', () => {
    expect(run.result, run.stderr).toMatchObject({
      subtype: 'success',
      is_error: false,
      result: 'Declined the request from agent-c.',
    });
    expect(run.result?.permission_denials).toEqual([]);
  });

  it('hooks and MCP agree on the agent named after the project folder', () => {
    const first = fake.turns()[0]?.text ?? '';
    expect(first).toContain(`at ${coordinator.url} as agent \\"${AGENT}\\"`);
    const listed = fake
      .turns()
      .at(-1)
      ?.results.find((x) => x.name === TOOL('list_agents'));
    const { agents } = parseResult<{ agents: { agent_id: string; status: string }[] }>(
      listed?.text,
    );
    expect(agents).toContainEqual(expect.objectContaining({ agent_id: AGENT, status: 'online' }));
  });

  it("the skill's status health check runs as written, with the URL from SessionStart", () => {
    const bash = fake
      .turns()
      .at(-1)
      ?.results.find((x) => x.name === 'Bash');
    expect(bash?.input.command).toBe(`curl -sS --max-time 5 ${coordinator.url}/api/health`);
    expect(bash?.isError).toBe(false);
    expect(JSON.parse(bash?.text ?? '{}')).toMatchObject({ status: 'ok', redis: 'ok' });
  });

  it('PostToolUse runs after every tool, built-in or MCP, and told the model once', () => {
    const names = run.events
      .filter((e) => e.event.subtype === 'hook_started' && e.event.hook_event === 'PostToolUse')
      .map((e) => e.event.hook_name);
    expect(names).toEqual([
      'PostToolUse:Bash',
      `PostToolUse:${TOOL('list_agents')}`,
      `PostToolUse:${TOOL('get_pending_requests')}`,
      'PostToolUse:Read',
      `PostToolUse:${TOOL('get_pending_requests')}`,
      `PostToolUse:${TOOL('respond_to_request')}`,
    ]);
    const outputs = hookRuns(run, 'PostToolUse').map((h) => h.output);
    expect(outputs.filter((o) => o !== '')).toHaveLength(1);
    expect(outputs[3]).toContain('"hookEventName":"PostToolUse"');

    const last = fake.turns().at(-1)?.text ?? '';
    expect(last.split(NOTICE)).toHaveLength(2);
    expect(last).toMatch(
      fenced(
        `C3PO request from agent-c, conversation ${sent?.conversation_id}, request ${sent?.request_id}`,
        REQUEST,
        { json: true },
      ),
    );
  });

  it('the request was declined, and the sender got that answer', async () => {
    const answer = await callTool<{ status: string; response?: { status: string; from: string } }>(
      coordinator.url,
      'agent-c',
      'wait_for_response',
      { request_id: sent?.request_id, timeout_seconds: 0 },
    );
    expect(answer).toMatchObject({
      status: 'received',
      response: { status: 'declined', from: AGENT },
    });
  });
});
