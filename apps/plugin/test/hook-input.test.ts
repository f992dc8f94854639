/**
 * What the hook script lets leave the machine: of the JSON Claude Code gives a hook (which holds
 * the human's prompt, the agent's last message, every tool's input and output) only session_id,
 * stop_hook_active, tool_name and source, read by awk whatever their order, escapes or nesting,
 * and quickly however large the input; and the headers it reads from a file (token, description),
 * sent only when they are safe to send. Checked on the wire, with every awk this machine has.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runHook } from './helpers/hook-script.js';
import { type Recorded, type Recorder, startRecorder } from './helpers/recorder.js';

const SECRET = 'sk-live-7Hq2-DO-NOT-LEAK';
const SID = '36bad440-3898-4142-bd86-9e5ab48a5c5f';

/** Inputs as Claude Code 2.1.332 writes them (field order measured), each holding the secret. */
const common = {
  session_id: SID,
  transcript_path: `/home/me/.claude/projects/-home-me-shop/${SID}.jsonl`,
  cwd: '/home/me/shop',
};
const REAL_INPUTS = {
  'session-start': { ...common, hook_event_name: 'SessionStart', source: 'startup' },
  prompt: {
    ...common,
    prompt_id: 'a3bf46a0',
    permission_mode: 'default',
    hook_event_name: 'UserPromptSubmit',
    prompt: `deploy with the key ${SECRET}`,
  },
  'post-tool-use': {
    ...common,
    permission_mode: 'default',
    effort: { level: 'medium' },
    hook_event_name: 'PostToolUse',
    tool_name: 'Bash',
    tool_input: { command: 'cat .env', description: 'Show the env file' },
    tool_response: { stdout: `API_KEY=${SECRET}\nDEBUG=1`, stderr: '', interrupted: false },
    tool_use_id: 'toolu_d35080f99c70e4824933b4e1',
    duration_ms: 12,
  },
  stop: {
    ...common,
    permission_mode: 'default',
    hook_event_name: 'Stop',
    stop_hook_active: false,
    last_assistant_message: `Done. The key in .env is ${SECRET}.`,
    background_tasks: [],
    session_crons: [],
  },
  'session-end': { ...common, hook_event_name: 'SessionEnd', reason: 'other' },
} as const;
const SENT: Record<keyof typeof REAL_INPUTS, object> = {
  'session-start': { session_id: SID, source: 'startup' },
  prompt: { session_id: SID },
  'post-tool-use': { session_id: SID, tool_name: 'Bash' },
  stop: { session_id: SID, stop_hook_active: false },
  'session-end': { session_id: SID },
};

const json = (value: unknown) => JSON.stringify(value);
/** A string with every escape JSON has, and text that looks like the fields. */
const TRICKY = 'say "hi" \\ and \\" and "session_id":"fake", {"tool_name":"Fake"} ends with \\';

/** [what, event, input, what the coordinator must get]. */
const CASES: [string, string, string, object][] = [
  [
    'fields in any order, after nested objects with the same keys',
    'post-tool-use',
    json({
      tool_response: { session_id: 'inner', tool_name: 'Inner', list: [{ session_id: 'x' }] },
      tool_input: { tool_name: 'X' },
      tool_name: 'Read',
      session_id: 's-1',
    }),
    { session_id: 's-1', tool_name: 'Read' },
  ],
  [
    'escaped quotes and backslashes before the fields',
    'stop',
    json({
      last_assistant_message: TRICKY,
      [TRICKY]: TRICKY,
      stop_hook_active: true,
      session_id: 's-2',
    }),
    { session_id: 's-2', stop_hook_active: true },
  ],
  [
    'pretty-printed JSON with spaces, tabs and line breaks',
    'session-start',
    JSON.stringify({ source: 'resume', session_id: 's-3' }, null, '\t').replaceAll(':', ' : '),
    { session_id: 's-3', source: 'resume' },
  ],
  ['absent fields', 'stop', json({ hook_event_name: 'Stop' }), {}],
  ['no input', 'stop', '', {}],
  ['an input that is not JSON', 'post-tool-use', 'tool_name: "Bash" session_id', {}],
  ['an array', 'stop', json([{ session_id: 'a' }, 'session_id', 'b']), {}],
  [
    'values that are not short IDs',
    'post-tool-use',
    json({ session_id: 'a"b', tool_name: 'x'.repeat(201) }),
    {},
  ],
  [
    'values of the wrong type',
    'stop',
    json({ session_id: true, stop_hook_active: 'true', source: null, tool_name: 12 }),
    {},
  ],
  [
    'values with spaces, escapes or other scripts',
    'session-start',
    json({ session_id: 'a b', source: 'start\nup' }),
    {},
  ],
  [
    'a field of another event',
    'prompt',
    json({ tool_name: 'Bash', session_id: 's-4' }),
    { session_id: 's-4' },
  ],
];

/** Every awk this machine has, once each ([name, path]): what users run the hook with. */
const AWKS = [
  ...new Map(
    [
      ['awk', 'awk'],
      ['mawk', 'mawk'],
      ['gawk', 'gawk'],
      ['original-awk', 'original-awk'],
      ['busybox awk', 'busybox'],
    ].flatMap(([name, bin]) => {
      const path = ['/usr/bin', '/bin', '/usr/local/bin']
        .map((d) => join(d, bin as string))
        .find((p) => existsSync(p));
      return path ? [[bin === 'busybox' ? path : realpathSync(path), name as string] as const] : [];
    }),
  ).entries(),
].map(([path, name]) => [name, path] as const);

/** A PATH with sh, curl and the given awk (or none) as `awk`. */
function binDir(root: string, awk?: string): string {
  const dir = mkdtempSync(join(root, 'bin-'));
  for (const tool of ['sh', 'curl']) {
    symlinkSync(
      execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(),
      join(dir, tool),
    );
  }
  if (awk) symlinkSync(awk, join(dir, 'awk'));
  return dir;
}

describe('the hook sends only what the coordinator reads', () => {
  let recorder: Recorder;
  let root: string;
  beforeAll(async () => {
    recorder = await startRecorder();
    root = mkdtempSync(join(tmpdir(), 'c3po-hook-input-'));
  });
  afterAll(async () => {
    await recorder?.close();
    rmSync(root, { recursive: true, force: true });
  });
  beforeEach(() => {
    recorder.seen.length = 0;
    recorder.answer = { status: 204, body: '' };
  });

  /** Runs the hook with PATH `path` and returns the one request the recorder saw. */
  async function sent(
    event: string,
    input: string,
    path?: string,
  ): Promise<Recorded & { ms: number }> {
    recorder.seen.length = 0;
    const run = await runHook(event, input, {
      env: {
        C3PO_COORDINATOR_URL: recorder.url,
        C3PO_AGENT_ID: 'agent-p',
        ...(path ? { PATH: path } : {}),
      },
    });
    expect(run).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(recorder.seen).toHaveLength(1);
    return { ...(recorder.seen[0] as Recorded), ms: run.ms };
  }

  it.each(Object.keys(REAL_INPUTS) as (keyof typeof REAL_INPUTS)[])(
    '%s: a real input with a secret in it; the coordinator gets only the IDs',
    async (event) => {
      const request = await sent(event, json(REAL_INPUTS[event]));
      expect(request.url).toBe(`/api/hooks/${event}`);
      expect(request.headers['content-type']).toBe('application/json');
      expect(JSON.parse(request.body)).toEqual(SENT[event]);
      // Nothing else of the input is anywhere in the request: not the secret, not the paths.
      const wire = json(request);
      for (const leak of [SECRET, common.transcript_path, 'cat .env', 'UserPromptSubmit']) {
        expect(wire).not.toContain(leak);
      }
    },
  );

  describe.each(AWKS)('with %s', (name, awk) => {
    let path: string;
    beforeAll(() => {
      path = binDir(root, awk);
      expect(execFileSync(join(path, 'awk'), ['BEGIN { print "ok" }'], { encoding: 'utf8' })).toBe(
        'ok\n',
      );
      process.stderr.write(`hook input: testing ${name} (${awk})\n`);
    });

    it.each(CASES)('%s', async (_, event, input, expected) => {
      expect(JSON.parse((await sent(event, input, path)).body)).toEqual(expected);
    });

    it('a tool output of megabytes, before or after the fields, costs little', async () => {
      const output = `${'"quoted" \\ {braces} [brackets], '.repeat(1000)}${'x'.repeat(8_000_000)}`;
      const first = { session_id: SID, tool_name: 'Read', tool_response: { content: output } };
      const last = { tool_response: { content: output }, tool_name: 'Read', session_id: SID };
      for (const input of [first, last]) {
        const request = await sent('post-tool-use', json(input), path);
        expect(JSON.parse(request.body)).toEqual({ session_id: SID, tool_name: 'Read' });
        // A loop that slowed with the input's size would take seconds here.
        expect(request.ms).toBeLessThan(2_000);
      }
      // Past 100,000 strings awk gives up on fields it has not found yet, but it never hangs.
      const strings = { tool_response: Array(150_000).fill('"'), session_id: SID };
      const request = await sent('stop', json(strings), path);
      expect(JSON.parse(request.body)).toEqual({});
      expect(request.ms).toBeLessThan(2_000);
    });
  });

  it('without awk it sends {} and the hook still works', async () => {
    recorder.answer = { status: 200, body: '{"decision":"block","reason":"x"}' };
    const run = await runHook('stop', json(REAL_INPUTS.stop), {
      env: { C3PO_COORDINATOR_URL: recorder.url, PATH: binDir(root) },
    });
    expect(run).toMatchObject({
      code: 0,
      stdout: '{"decision":"block","reason":"x"}\n',
      stderr: '',
    });
    expect(recorder.seen.map((r) => r.body)).toEqual(['{}\n']);
  });
});

describe('headers from a file: the token and the description', () => {
  let recorder: Recorder;
  beforeAll(async () => {
    recorder = await startRecorder();
  });
  afterAll(() => recorder?.close());

  const headersWith = async (env: Record<string, string>) => {
    recorder.seen.length = 0;
    const run = await runHook(
      'prompt',
      { session_id: 's' },
      { env: { C3PO_COORDINATOR_URL: recorder.url, ...env } },
    );
    expect(run).toMatchObject({ code: 0, stdout: '', stderr: '' });
    return recorder.seen[0]?.headers ?? {};
  };

  it('sends C3PO_AGENT_DESCRIPTION as it is, whatever the shell would make of it', async () => {
    const description = `Billing "API" owner: ask about $PORT, \\ backslashes, \`id\`, $(id) and 'quotes' ~`;
    expect(
      (await headersWith({ C3PO_AGENT_DESCRIPTION: description }))['x-agent-description'],
    ).toBe(description);
  });

  it('leaves out an empty description, and one that is not printable ASCII', async () => {
    // Claude Code sends non-ASCII header values as Latin-1, or refuses them, where curl would send
    // UTF-8: the MCP connection alone sets such a description. A line break would start another
    // header.
    for (const description of [
      '',
      'Büro café',
      '日本語',
      'a\nX-Injected: 1',
      'a\rX-Injected: 1',
      'tab\there',
    ]) {
      const headers = await headersWith({ C3PO_AGENT_DESCRIPTION: description });
      expect(headers).not.toHaveProperty('x-agent-description');
      expect(headers).not.toHaveProperty('x-injected');
    }
  });

  it('never lets a token add a header of its own', async () => {
    const headers = await headersWith({ C3PO_TOKEN: 'tok\nX-Injected: 1' });
    expect(headers).not.toHaveProperty('authorization');
    expect(headers).not.toHaveProperty('x-injected');
    expect(
      (await headersWith({ C3PO_TOKEN: 'c3po_abc', C3PO_AGENT_DESCRIPTION: 'hi' })).authorization,
    ).toBe('Bearer c3po_abc');
  });
});
