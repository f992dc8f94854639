/**
 * The `c3po` command's watching and human-in-the-loop commands as people and scripts run them:
 * the built bin, as a real process, against a real coordinator in token mode whose agents talk
 * over MCP.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  OperatorAgentsSchema,
  OperatorStatusSchema,
  OperatorThreadSchema,
  ToolOutputSchemas,
} from '@c3po/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { startTestCoordinator, type TestCoordinator } from './helpers/coordinator.js';
import { type Agent, connectAgent } from './helpers/mcp-client.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The workspace's bin (`npx c3po` runs it), which runs the built CLI. */
const BIN = join(HERE, '../bin/c3po.mjs');
const ADMIN = 'cli-operator-admin-0123456789abcdef';

type Sent = { request_id: string; conversation_id: string };

let coordinator: TestCoordinator;
let dana: Agent;
let api: Agent;
let first: Sent;

const c3po = (args: string[], env: Record<string, string> = {}) =>
  runCli(BIN, args, { C3PO_URL: coordinator.url, C3PO_ADMIN_TOKEN: ADMIN, ...env });

/** A long-running c3po (tail, send --wait): its output so far, and how to stop it. */
function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      C3PO_URL: coordinator.url,
      C3PO_ADMIN_TOKEN: ADMIN,
      ...env,
    },
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => {
    out.stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    out.stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const until = async (what: () => boolean, label: string) => {
    for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 50));
    if (!what()) throw new Error(`c3po ${args.join(' ')}: no ${label}; got ${JSON.stringify(out)}`);
  };
  return { child, out, exited, until };
}

beforeAll(async () => {
  coordinator = await startTestCoordinator({ C3PO_AUTH_MODE: 'token', C3PO_ADMIN_TOKEN: ADMIN });
  for (let i = 0; i < 100 && !(await coordinator.services.health()).ok; i++)
    await new Promise((r) => setTimeout(r, 50));
  const admin = { Authorization: `Bearer ${ADMIN}` };
  dana = await connectAgent(coordinator.url, 'laptop-dana', {
    ...admin,
    'X-Agent-Description': "Dana's laptop",
  });
  api = await connectAgent(coordinator.url, 'server-api', admin);
  await api.call('list_agents');
  first = await dana.call<Sent>('send_request', {
    to: 'server-api',
    message: 'Which endpoint lists invoices?\n\u001b[31mred\u001b[0m',
  });
  await api.call('wait_for_request', { timeout_seconds: 5 });
  await api.call('respond_to_request', {
    request_id: first.request_id,
    response: 'GET /v2/invoices',
  });
});

afterAll(async () => {
  await Promise.all([dana, api].map((a) => a?.close()));
  await coordinator?.stop();
});

describe('c3po watching', () => {
  it('status: a table for people, JSON for scripts', async () => {
    const table = await c3po(['status']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      /^Coordinator\s+http:\/\/127\.0\.0\.1:\d+ \(version test, token mode\)/,
    );
    expect(table.stdout).toMatch(/Redis\s+ok, single: /);
    expect(table.stdout).toMatch(/Agents\s+2 known, 2 online, 0 listening/);
    const json = await c3po(['status', '--json']);
    expect(OperatorStatusSchema.parse(JSON.parse(json.stdout)).agents.known).toBe(2);
  });

  it('agents and conversations, filtered by agent', async () => {
    const agents = await c3po(['agents']);
    expect(agents.stdout).toMatch(/^AGENT\s+STATUS\s+LISTENING\s+LAST SEEN\s+INBOX\s+DESCRIPTION/);
    expect(agents.stdout).toMatch(/laptop-dana\s+online\s+-\s+.+\s+0\s+Dana's laptop/);
    const json = OperatorAgentsSchema.parse(JSON.parse((await c3po(['agents', '--json'])).stdout));
    expect(json.agents.map((a) => a.agent_id).sort()).toEqual(['laptop-dana', 'server-api']);

    const list = await c3po(['conversations', '--agent', 'server-api']);
    expect(list.stdout).toContain(first.conversation_id);
    expect(list.stdout).toMatch(/laptop-dana, server-api\s+2\s+.+server-api: GET \/v2\/invoices/);
    expect((await c3po(['conversations', '--agent', 'nobody'])).stdout.trim()).toBe(
      'No conversations.',
    );
  });

  it('show: the thread oldest first with states and timings; control characters made visible', async () => {
    const shown = await c3po(['show', first.conversation_id]);
    expect(shown.code).toBe(0);
    const lines = shown.stdout.split('\n');
    expect(lines[0]).toBe(
      `Conversation ${first.conversation_id}: laptop-dana, server-api (2 messages)`,
    );
    expect(shown.stdout).toMatch(
      new RegExp(`laptop-dana → server-api {2}request ${first.request_id} {2}answered`),
    );
    expect(shown.stdout).toMatch(/\(sent [\d:]+, delivered [\d:]+, answered [\d:]+\)/);
    expect(shown.stdout.indexOf('Which endpoint')).toBeLessThan(shown.stdout.indexOf('GET /v2'));
    expect(shown.stdout).toContain('\\x1b[31mred\\x1b[0m');
    expect(shown.stdout).not.toContain('\u001b');
    const json = OperatorThreadSchema.parse(
      JSON.parse((await c3po(['show', first.conversation_id, '--json'])).stdout),
    );
    expect(json.messages.map((m) => m.type)).toEqual(['request', 'response']);

    const missing = await c3po(['show', '01ARZ3NDEKTSV4RRFFQ69G5FAV']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^c3po: No conversation 01ARZ3NDEKTSV4RRFFQ69G5FAV exists/);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('tail: follows request events live until Ctrl-C', async () => {
    const tail = start(['tail', '--backlog', '3']);
    // The backlog printed: the feed is open, so what follows arrives live.
    await tail.until(() => tail.out.stdout.includes(' request '), 'backlog');
    expect(tail.out.stderr).toMatch(/^Following request events at http/);
    const sent = await dana.call<Sent>('send_request', { to: 'server-api', message: 'tail me' });
    await tail.until(() => tail.out.stdout.includes(sent.request_id), 'event');
    expect(tail.out.stdout).toMatch(
      new RegExp(`sent\\s+laptop-dana → server-api\\s+request ${sent.request_id}`),
    );
    tail.child.kill('SIGINT');
    expect(await tail.exited).not.toBe(0);

    const json = start(['tail', '--backlog', '5', '--json']);
    await json.until(() => json.out.stdout.includes(sent.request_id), 'backlog');
    const events = json.out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; request_id: string });
    expect(events.at(-1)).toMatchObject({ type: 'sent', request_id: sent.request_id });
    json.child.kill('SIGINT');
    await json.exited;
    await dana.call('cancel_request', { request_id: sent.request_id });
  });

  it('a viewer token may watch but not act; no token is refused with how to get one', async () => {
    const created = await c3po(['token', 'create', '--viewer', '--name', 'wall']);
    expect(created.code).toBe(0);
    const viewer = /export C3PO_TOKEN=(\S+)/.exec(created.stdout)?.[1] ?? '';
    expect(created.stdout).toMatch(/Created viewer token \w+ \(read-only\)/);
    expect((await c3po(['token', 'list'])).stdout).toMatch(/\s-\s+wall\s+viewer\s/);

    const watching = await c3po(['agents'], { C3PO_ADMIN_TOKEN: '', C3PO_TOKEN: viewer });
    expect(watching.code).toBe(0);
    const acting = await c3po(['inbox', '--as', 'server-api'], {
      C3PO_ADMIN_TOKEN: '',
      C3PO_TOKEN: viewer,
    });
    expect(acting.code).toBe(1);
    expect(acting.stderr).toMatch(/^c3po: This is a viewer token/);
    const none = await c3po(['status'], { C3PO_ADMIN_TOKEN: '' });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/c3po token create --viewer/);
  });
});

describe('c3po for a human in the loop', () => {
  it('sends as an agent, reads the inbox in full, answers, and waits for an answer', async () => {
    const created = await c3po(['token', 'create', '--agents', 'human-*']);
    const token = /export C3PO_TOKEN=(\S+)/.exec(created.stdout)?.[1] ?? '';
    const asHuman = { C3PO_ADMIN_TOKEN: '', C3PO_TOKEN: token };

    const sent = await c3po(
      ['send', '--as', 'human-lead', '--to', 'server-api', 'Please review PR 12.'],
      asHuman,
    );
    expect(sent.code).toBe(0);
    const requestId = /Sent request (\w+) to server-api \(online\)/.exec(sent.stdout)?.[1] ?? '';
    expect(requestId).not.toBe('');

    const inbox = await c3po(['inbox', '--as', 'server-api']);
    expect(inbox.stdout).toMatch(new RegExp(`${requestId} {2}from human-lead`));
    expect(inbox.stdout).toContain('  Please review PR 12.');
    expect(inbox.stdout).toContain('Answer with: c3po answer --as server-api REQUEST_ID "text"');
    const pending = ToolOutputSchemas.get_pending_requests.parse(
      JSON.parse((await c3po(['inbox', '--as', 'server-api', '--json'])).stdout),
    );
    expect(pending.requests.map((r) => r.request_id)).toContain(requestId);

    const someoneElse = await c3po(['answer', '--as', 'laptop-dana', requestId, 'mine?']);
    expect(someoneElse.code).toBe(1);
    expect(someoneElse.stderr).toMatch(/^c3po: No request \w+ was sent to you \(laptop-dana\)/);
    const answered = await c3po([
      'answer',
      '--as',
      'server-api',
      requestId,
      'Looks',
      'good.',
      '--status',
      'success',
    ]);
    expect(answered.stdout.trim()).toBe(
      `Answered request ${requestId}; human-lead gets the answer.`,
    );

    // send --wait: the answer comes from an agent over MCP while the command waits.
    const waiting = start(
      ['send', '--as', 'human-lead', '--to', 'server-api', 'What is 6 x 7?', '--wait'],
      asHuman,
    );
    await waiting.until(() => waiting.out.stderr.includes('Waiting for the answer'), 'wait note');
    const got = await api.call<{ requests: { request_id: string; message: string }[] }>(
      'wait_for_request',
      { timeout_seconds: 10 },
    );
    const question = got.requests.find((r) => r.message === 'What is 6 x 7?');
    await api.call('respond_to_request', { request_id: question?.request_id, response: '42' });
    expect(await waiting.exited).toBe(0);
    expect(waiting.out.stdout).toBe('server-api answered:\n  42\n');
  });

  it('says what is missing or wrong in one line, with exit status 1', async () => {
    const cases: [string[], RegExp][] = [
      [['send', '--to', 'server-api', 'hi'], /needs --as/],
      [['send', '--as', 'human-lead', 'hi'], /needs --to/],
      [['send', '--as', 'human-lead', '--to', 'server-api'], /give the message/],
      [['send', '--as', 'human-lead', '--to', 'nobody', 'hi'], /No agent named "nobody"/],
      [['answer', '--as', 'server-api'], /needs the request ID/],
      [['inbox', '--as', 'bad/id'], /not a valid agent ID|agent ID/i],
      [['bogus'], /unknown command "bogus"/],
      [['status', '--bogus'], /Unknown option '--bogus'; see: c3po status --help/],
    ];
    for (const [args, reason] of cases) {
      const run = await c3po(args);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stderr, args.join(' ')).toMatch(/^c3po: /);
      expect(run.stderr, args.join(' ')).toMatch(reason);
      expect(run.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    const badUrl = await c3po(['status'], { C3PO_URL: 'not a url' });
    expect(badUrl.stderr).toMatch(/^c3po: .*C3PO_URL must be a URL/);
  });

  it('has --help on every command, and is linked as the workspace bin (npx c3po)', async () => {
    for (const command of [
      ['status'],
      ['agents'],
      ['conversations'],
      ['show'],
      ['tail'],
      ['token', 'create'],
      ['token', 'list'],
      ['token', 'revoke'],
      ['send'],
      ['inbox'],
      ['answer'],
    ]) {
      const help = await c3po([...command, '--help']);
      expect(help.code, command.join(' ')).toBe(0);
      expect(help.stdout, command.join(' ')).toMatch(
        new RegExp(`^Usage: c3po ${command.join(' ')}`),
      );
    }
    expect((await c3po(['--help'])).stdout).toMatch(/^Usage: c3po <command>/);
    const linked = join(HERE, '../../../node_modules/.bin/c3po');
    expect(existsSync(linked)).toBe(true);
    const { stdout } = await promisify(execFile)(linked, ['--help']);
    expect(stdout).toMatch(/^Usage: c3po <command>/);
  });
});
