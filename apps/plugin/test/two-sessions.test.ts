/**
 * End to end with the real Claude Code CLI: two `claude -p` sessions with this plugin, each driven
 * by its own scripted fake model, talk through a real coordinator. Session A uses the /coordinate
 * skill to ask agent-b a question and waits; agent-b's Stop hook announces the request; B answers;
 * A gets the answer and follows up in the same conversation, which B answers while listening.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hookRuns,
  parseResult,
  runSession,
  type SessionResult,
  startSession,
  stopAllSessions,
  TOOL,
} from './helpers/claude-session.js';
import { type Agent, agents, callTool, pending } from './helpers/coordinator-client.js';
import { type CoordinatorProcess, startCoordinator } from './helpers/coordinator-process.js';
import {
  type FakeModel,
  type ModelRequest,
  type Reply,
  startFakeModel,
} from './helpers/fake-model.js';
import { fenced, unfence } from './helpers/fence.js';

const QUESTION = 'Which port does the billing API listen on?';
const ANSWER = 'Port 8081, set in billing/config.yaml.';
const FOLLOW_UP = 'Thanks. Is that the same in staging?';
const FOLLOW_UP_ANSWER = 'Yes, staging uses 8081 too.';

interface Sent {
  request_id: string;
  conversation_id: string;
}
interface Message {
  type: string;
  from: string;
  to: string;
  message?: string;
  response?: string;
}
interface Waited {
  status: string;
  response?: { response: string; from: string; conversation_id: string };
}

const results = (r: ModelRequest, tool: string) => r.results.filter((x) => x.name === TOOL(tool));

/**
 * Agent A's model: run the skill's "send" (send_request, then wait_for_response until an answer),
 * then follow up in the same conversation, replay it, and report.
 */
function modelA(r: ModelRequest): Reply {
  const sends = results(r, 'send_request');
  const answers = results(r, 'wait_for_response').filter(
    (x) => parseResult<Waited>(x.text).status === 'received',
  );
  if (sends.length === 0) {
    // What the skill received as its arguments, as the model reads them in the skill's text.
    const asked = /The user asked for: `send (\S+) ([^`]+)`/.exec(r.text);
    if (!asked) return { text: 'The /coordinate skill did not give me its arguments.' };
    return { toolUse: { name: TOOL('send_request'), input: { to: asked[1], message: asked[2] } } };
  }
  const last = parseResult<Sent>(sends[sends.length - 1]?.text);
  if (answers.length < sends.length) {
    return {
      toolUse: {
        name: TOOL('wait_for_response'),
        input: { request_id: last.request_id, timeout_seconds: 60 },
      },
    };
  }
  if (sends.length === 1) {
    return {
      toolUse: {
        name: TOOL('send_request'),
        input: { to: 'agent-b', message: FOLLOW_UP, conversation_id: last.conversation_id },
      },
    };
  }
  if (results(r, 'get_conversation').length === 0) {
    return {
      toolUse: { name: TOOL('get_conversation'), input: { conversation_id: last.conversation_id } },
    };
  }
  const said = answers.map((a) => unfence(parseResult<Waited>(a.text).response?.response ?? ''));
  return { text: `agent-b says: ${said.join(' / ')}` };
}

/**
 * Agent B's model: busy with its own task, it ends its turn. When the Stop hook shows it a request,
 * it does what the hook's text says: reads the requests in full (get_pending_requests) and answers
 * the one the hook named. Then it listens (wait_for_request) and answers the follow-up.
 */
function modelB(r: ModelRequest): Reply {
  const announced = /\[C3PO request from agent-a, conversation \w+, request (\w+) #\w+\]/.exec(
    r.text,
  );
  if (!announced) return { text: 'Changelog tidied.' };
  const listed = results(r, 'get_pending_requests');
  if (listed.length === 0) return { toolUse: { name: TOOL('get_pending_requests'), input: {} } };
  const answered = results(r, 'respond_to_request');
  if (answered.length === 0) {
    const { requests } = parseResult<{ requests: { request_id: string; message: string }[] }>(
      listed[0]?.text,
    );
    const request = requests.find((x) => x.request_id === announced[1]);
    if (!request || unfence(request.message) !== QUESTION)
      return { text: `Not what the Stop hook announced: ${listed[0]?.text}` };
    return {
      toolUse: {
        name: TOOL('respond_to_request'),
        input: { request_id: request.request_id, response: ANSWER },
      },
    };
  }
  if (answered.length === 1) {
    const got = results(r, 'wait_for_request')
      .map((x) => parseResult<{ status: string; requests?: { request_id: string }[] }>(x.text))
      .find((x) => x.status === 'received');
    if (!got) {
      return { toolUse: { name: TOOL('wait_for_request'), input: { timeout_seconds: 60 } } };
    }
    return {
      toolUse: {
        name: TOOL('respond_to_request'),
        input: { request_id: got.requests?.[0]?.request_id, response: FOLLOW_UP_ANSWER },
      },
    };
  }
  return { text: 'Answered agent-a twice.' };
}

/** The model's view of a text: inside the logged JSON, newlines and quotes are escaped. */
const inJson = (text: string) => JSON.stringify(text).slice(1, -1);

describe('two Claude Code sessions talk through the coordinator', () => {
  let coordinator: CoordinatorProcess;
  let fakeA: FakeModel;
  let fakeB: FakeModel;
  let a: SessionResult;
  let b: SessionResult;
  /** The coordinator's agent list right after both sessions ended. */
  let afterwards: Agent[];
  /** A's first send_request result: the question's request and conversation IDs. */
  let first: Sent;

  beforeAll(async () => {
    coordinator = await startCoordinator();
    fakeA = await startFakeModel(modelA);
    fakeB = await startFakeModel(modelB);
    // agent-b has used this coordinator before (as after an earlier session), so it is known.
    await pending(coordinator.url, 'agent-b');

    const sessionA = startSession({
      prompt: `/coordinate send agent-b ${QUESTION}`,
      modelUrl: fakeA.url,
      coordinatorUrl: coordinator.url,
      agentId: 'agent-a',
    });
    // B starts once A's request is in agent-b's inbox, so its hooks have something to announce.
    const deadline = Date.now() + 45_000;
    while ((await pending(coordinator.url, 'agent-b')).count === 0) {
      if (Date.now() > deadline) {
        throw new Error(
          `agent-a's request never reached the coordinator; its model saw: ${JSON.stringify(fakeA.turns().map((t) => t.reply))}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    b = await runSession({
      prompt: 'Tidy the changelog.',
      modelUrl: fakeB.url,
      coordinatorUrl: coordinator.url,
      agentId: 'agent-b',
    });
    a = await sessionA.done;
    // Before anything else calls as agent-a or agent-b, which would count as being seen again.
    afterwards = await agents(coordinator.url, 'observer');
    const send = fakeA
      .turns()
      .at(-1)
      ?.results.find((x) => x.name === TOOL('send_request'));
    first = parseResult<Sent>(send?.text);
  }, 150_000);

  afterAll(async () => {
    await stopAllSessions();
    await fakeA?.close();
    await fakeB?.close();
    await coordinator?.stop();
  });

  it('both sessions finish normally, with the MCP tools loaded from turn 1', () => {
    for (const [run, final] of [
      [a, `agent-b says: ${ANSWER} / ${FOLLOW_UP_ANSWER}`],
      [b, 'Answered agent-a twice.'],
    ] as const) {
      expect(run.result, run.stderr).toMatchObject({
        subtype: 'success',
        is_error: false,
        result: final,
      });
      expect(run.result?.permission_denials).toEqual([]);
      const init = run.events.find((e) => e.event.subtype === 'init')?.event;
      expect(init?.mcp_servers).toContainEqual({
        name: 'plugin:c3po:c3po',
        status: 'connected',
        source: 'plugin',
      });
    }
    expect(fakeA.turns()[0]?.tools).toContain(TOOL('send_request'));
    // Claude Code asked the fake for model turns and nothing else.
    expect([...fakeA.log, ...fakeB.log].every((r) => r.path === '/v1/messages')).toBe(true);
  });

  it('the /coordinate skill got "send agent-b <question>" as its arguments', () => {
    const opening = fakeA.turns()[0]?.text ?? '';
    expect(opening).toContain('<command-name>/c3po:coordinate</command-name>');
    expect(opening).toContain(inJson(`The user asked for: \`send agent-b ${QUESTION}\``));
  });

  it("agent-b's SessionStart context names agent-a online and the waiting request", () => {
    const opening = fakeB.turns()[0]?.text ?? '';
    expect(opening).toContain(
      inJson(
        `SessionStart hook additional context: C3PO: connected to the coordinator at ${coordinator.url} as agent "agent-b".\nOther agents online: agent-a.\n1 request from other agents waits for your answer`,
      ),
    );
  });

  it("agent-b's Stop hook blocked once with the fenced request, then let it stop", () => {
    const blocked = fakeB.turns().find((t) => t.text.includes('Stop hook feedback'));
    expect(blocked?.text).toMatch(
      fenced(
        `C3PO request from agent-a, conversation ${first.conversation_id}, request ${first.request_id}`,
        QUESTION,
        { json: true },
      ),
    );
    expect(blocked?.text).toContain('not by your human');

    // The first Stop blocked; the next one, in the same stop-chain with nothing new, did not.
    const stops = hookRuns(b, 'Stop');
    expect(stops).toHaveLength(2);
    expect(JSON.parse(stops[0]?.output ?? '{}')).toMatchObject({ decision: 'block' });
    expect(stops[1]?.output).toBe('');
  });

  it("A's wait_for_response returned agent-b's answers to A's model", () => {
    const waited = fakeA
      .turns()
      .at(-1)
      ?.results.filter((x) => x.name === TOOL('wait_for_response'))
      .map((x) => parseResult<Waited>(x.text))
      .filter((x) => x.status === 'received');
    expect(waited?.map((w) => [w.response?.from, unfence(w.response?.response ?? '')])).toEqual([
      ['agent-b', ANSWER],
      ['agent-b', FOLLOW_UP_ANSWER],
    ]);
    expect(waited?.[1]?.response?.conversation_id).toBe(waited?.[0]?.response?.conversation_id);
  });

  it('the coordinator holds the whole conversation, and nothing waits any more', async () => {
    const replay = await callTool<{ messages: Message[] }>(
      coordinator.url,
      'agent-b',
      'get_conversation',
      { conversation_id: first.conversation_id },
    );
    expect(
      replay.messages.map((m) => [m.type, m.from, m.to, unfence(m.message ?? m.response ?? '')]),
    ).toEqual([
      ['request', 'agent-a', 'agent-b', QUESTION],
      ['response', 'agent-b', 'agent-a', ANSWER],
      ['request', 'agent-a', 'agent-b', FOLLOW_UP],
      ['response', 'agent-b', 'agent-a', FOLLOW_UP_ANSWER],
    ]);
    // A's model was shown the same replay through get_conversation.
    const seen = fakeA
      .turns()
      .at(-1)
      ?.results.find((x) => x.name === TOOL('get_conversation'));
    // Each result fences with a marker of its own: the same messages, each fenced anew.
    const words = (messages: Message[]) =>
      messages.map((m) => ({
        ...m,
        message: m.message && unfence(m.message),
        response: m.response && unfence(m.response),
      }));
    expect(words(parseResult<{ messages: Message[] }>(seen?.text).messages)).toEqual(
      words(replay.messages),
    );
    expect((await pending(coordinator.url, 'agent-b')).count).toBe(0);
  });

  it('SessionEnd marked both agents offline', () => {
    const status = Object.fromEntries(afterwards.map((x) => [x.agent_id, x.status]));
    expect(status).toMatchObject({ 'agent-a': 'offline', 'agent-b': 'offline' });
  });
});
