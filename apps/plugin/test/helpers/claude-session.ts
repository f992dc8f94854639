/**
 * One `claude -p` run of the real, pinned Claude Code CLI with this plugin loaded by --plugin-dir,
 * offline: `env -i` with a throwaway HOME/TMPDIR/XDG dirs, a fake model on loopback, nonessential
 * traffic off, and a proxy that refuses, so that anything not aimed at loopback fails here instead
 * of leaving the machine.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

export const PLUGIN_DIR = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const TOOL = (name: string) => `mcp__plugin_c3po_c3po__${name}`;

/** A stream-json event with the time it arrived. */
export interface TimedEvent {
  at: number;
  event: { type: string; subtype?: string; [key: string]: unknown };
}

export interface SessionOptions {
  prompt: string;
  /**
   * Further prompts of the human, each a turn of its own in the same session and process: with
   * stream-json input, each is written once the turn before it has its `result`.
   */
  morePrompts?: string[];
  /** ANTHROPIC_BASE_URL: the fake model. */
  modelUrl: string;
  /** C3PO_COORDINATOR_URL. */
  coordinatorUrl: string;
  /** C3PO_AGENT_ID; omitted, the agent is named after the project folder. */
  agentId?: string;
  /** C3PO_TOKEN, for a coordinator in token mode. */
  token?: string;
  /** Name of the project folder the session starts in (made under a fresh temp dir). */
  folder?: string;
  /** An existing project folder to start in instead (e.g. to resume a session there). */
  projectDir?: string;
  /** More environment variables, e.g. C3PO_AGENT_DESCRIPTION. */
  env?: Record<string, string>;
  /** More arguments for claude, e.g. ['--resume', sessionId]. */
  args?: string[];
  /** Loaded with --plugin-dir; defaults to this plugin; null loads none (an installed one). */
  pluginDir?: string | null;
  /** HOME to use (e.g. one where the plugin is installed); defaults to a fresh one. */
  home?: string;
  /** More tools to allow besides the plugin's MCP tools. */
  allowedTools?: string[];
  /** Seconds before the run is killed (default 90). */
  timeoutSeconds?: number;
}

export interface SessionResult {
  code: number | null;
  events: TimedEvent[];
  stderr: string;
  startedAt: number;
  endedAt: number;
  /** The final `result` event. */
  result:
    | { subtype?: string; is_error?: boolean; result?: string; [key: string]: unknown }
    | undefined;
  /** The folder the session ran in. */
  projectDir: string;
}

export interface Session {
  done: Promise<SessionResult>;
  projectDir: string;
  /** Sends SIGINT to claude, as Ctrl-C does. */
  interrupt(): void;
  stop(): Promise<void>;
}

const running = new Set<Session>();
const dirs: string[] = [];

/** The pinned claude binary; throws the install error when it could not be installed. */
export function claudeBin(): string {
  const claude = inject('claude');
  if ('error' in claude) throw new Error(claude.error);
  return claude.bin;
}

/** Starts `claude -p` and returns at once; `done` resolves when it exits. */
export function startSession(o: SessionOptions): Session {
  const bin = claudeBin();
  const root = mkdtempSync(join(tmpdir(), 'c3po-claude-'));
  dirs.push(root);
  const home = o.home ?? join(root, 'home');
  const tmp = join(root, 'tmp');
  const projectDir = o.projectDir ?? join(root, o.folder ?? 'project');
  for (const d of [home, tmp, projectDir]) mkdirSync(d, { recursive: true });
  const env: Record<string, string> = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    // What a shell would set; .mcp.json sends ${PWD} as X-Project-Dir.
    PWD: projectDir,
    LANG: 'C.UTF-8',
    HOME: home,
    TMPDIR: tmp,
    XDG_RUNTIME_DIR: tmp,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_STATE_HOME: join(home, '.local/state'),
    ANTHROPIC_BASE_URL: o.modelUrl,
    ANTHROPIC_API_KEY: 'sk-test-dummy',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    // Port 9 on loopback refuses: a request meant for another host fails on this machine.
    HTTP_PROXY: 'http://127.0.0.1:9',
    HTTPS_PROXY: 'http://127.0.0.1:9',
    NO_PROXY: '127.0.0.1,localhost',
    // Wait for the MCP server before the first turn, so that turn 1 has the plugin's tools.
    MCP_CONNECTION_NONBLOCKING: 'false',
    C3PO_COORDINATOR_URL: o.coordinatorUrl,
    ...(o.agentId === undefined ? {} : { C3PO_AGENT_ID: o.agentId }),
    ...(o.token === undefined ? {} : { C3PO_TOKEN: o.token }),
    ...o.env,
  };
  const args = [
    '-p',
    ...(o.morePrompts ? ['--input-format', 'stream-json'] : [o.prompt]),
    ...(o.pluginDir === null ? [] : ['--plugin-dir', o.pluginDir ?? PLUGIN_DIR]),
    '--allowedTools',
    ['mcp__plugin_c3po_c3po', ...(o.allowedTools ?? [])].join(','),
    '--output-format',
    'stream-json',
    '--verbose',
    '--include-hook-events',
    ...(o.args ?? []),
  ];
  // env -i execs claude, so the child is claude itself, leading its own process group (detached)
  // with the hooks it runs; the timer below kills that group if the run takes too long.
  const child: ChildProcess = spawn(
    '/usr/bin/env',
    ['-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), bin, ...args],
    // stdin is /dev/null: an open, silent stdin costs claude -p a 3 s wait.
    // With more prompts, stdin carries them one turn at a time and is closed after the last.
    {
      cwd: projectDir,
      env: {},
      stdio: [o.morePrompts ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  const prompts = [o.prompt, ...(o.morePrompts ?? [])];
  /** Writes the next prompt, or closes stdin after the last, so that claude exits. */
  const nextPrompt = () => {
    if (!o.morePrompts) return;
    const text = prompts.shift();
    if (text === undefined) return void child.stdin?.end();
    child.stdin?.write(
      `${JSON.stringify({ type: 'user', message: { role: 'user', content: text } })}\n`,
    );
  };
  child.stdin?.on('error', () => {});
  nextPrompt();
  const killGroup = () => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {}
  };
  const timer = setTimeout(killGroup, (o.timeoutSeconds ?? 90) * 1000);
  const startedAt = Date.now();
  const events: TimedEvent[] = [];
  let stderr = '';
  let partial = '';
  child.stdout?.on('data', (d: Buffer) => {
    const at = Date.now();
    const lines = (partial + d.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        const event = JSON.parse(line);
        events.push({ at, event });
        if (event.type === 'result') nextPrompt();
      } catch {
        stderr += `[stdout, not JSON] ${line}\n`;
      }
    }
  });
  child.stderr?.on('data', (d: Buffer) => (stderr += d));
  const done = new Promise<SessionResult>((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      const result = events.findLast((e) => e.event.type === 'result')
        ?.event as SessionResult['result'];
      resolve({ code, events, stderr, startedAt, endedAt: Date.now(), result, projectDir });
    });
  });
  const session: Session = {
    done,
    projectDir,
    interrupt: () => child.kill('SIGINT'),
    async stop() {
      // The whole process group: claude and any hook still running, even after claude exited.
      killGroup();
      await done;
    },
  };
  running.add(session);
  done.then(() => running.delete(session));
  return session;
}

export async function runSession(o: SessionOptions): Promise<SessionResult> {
  return startSession(o).done;
}

/** For afterEach/afterAll: stops every session still running and removes their dirs. */
export async function stopAllSessions(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Runs a `claude` subcommand (plugin validate, plugin install...) offline, with this HOME. */
export function claudeCommand(args: string[], home: string) {
  mkdirSync(home, { recursive: true });
  const run = spawnSync(claudeBin(), args, {
    env: {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: home,
      TMPDIR: home,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      HTTP_PROXY: 'http://127.0.0.1:9',
      HTTPS_PROXY: 'http://127.0.0.1:9',
      NO_PROXY: '127.0.0.1,localhost',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Hook events of one hook in the stream (needs --include-hook-events), with their timing. */
export function hookRuns(r: SessionResult, hookEvent: string) {
  const started = r.events.filter(
    (e) => e.event.subtype === 'hook_started' && e.event.hook_event === hookEvent,
  );
  return started.map((s) => {
    const end = r.events.find(
      (e) => e.event.subtype === 'hook_response' && e.event.hook_id === s.event.hook_id,
    );
    return {
      ms: end ? end.at - s.at : undefined,
      output: end?.event.output as string | undefined,
      exitCode: end?.event.exit_code as number | undefined,
      outcome: end?.event.outcome as string | undefined,
    };
  });
}

/** A tool result's JSON (the coordinator sends each result as JSON text). */
export function parseResult<T>(text: string | undefined): T {
  return JSON.parse(text ?? 'null') as T;
}
