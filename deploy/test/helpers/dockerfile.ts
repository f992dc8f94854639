/**
 * Replays deploy/Dockerfile without a Docker engine: each stage gets a folder standing for its
 * filesystem root, COPY copies from the build context (minus the .dockerignore patterns) or from
 * an earlier stage's folder, RUN runs with sh in the stage's WORKDIR. What this proves: the files
 * the Dockerfile copies are enough to build, and the final stage holds everything its CMD needs.
 * What it cannot: the base image itself (its Node is replaced by this machine's Node 20).
 */
import { cpSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { run } from './processes.js';

export interface Instruction {
  op: string;
  flags: Record<string, string>;
  args: string;
}

export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** Splits a Dockerfile into stages of instructions (line continuations joined, comments dropped). */
export function parseDockerfile(text: string): Stage[] {
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  const stages: Stage[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [, op = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const flags: Record<string, string> = {};
    let args = rest;
    for (let m = /^--([a-z-]+)=(\S+)\s+/.exec(args); m; m = /^--([a-z-]+)=(\S+)\s+/.exec(args)) {
      flags[m[1] as string] = m[2] as string;
      args = args.slice(m[0].length);
    }
    const instruction = { op: op.toUpperCase(), flags, args };
    if (instruction.op === 'FROM') {
      const [from = '', as, name] = args.split(/\s+/);
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`${op} before FROM`);
      stage.instructions.push(instruction);
    }
  }
  return stages;
}

/** dockerignore patterns (no `!` exceptions) as one predicate over context-relative paths. */
export function dockerignore(text: string): (path: string) => boolean {
  const regexes = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((pattern) => {
      if (pattern.startsWith('!')) throw new Error(`exceptions are not replayed: ${pattern}`);
      const source = pattern
        .replace(/^\/+|\/+$/g, '')
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        // `**/` and `**` go through placeholders so that the single-`*` rule leaves them alone.
        .replace(/\*\*\//g, '\uE000')
        .replace(/\*\*/g, '\uE001')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')
        .replace(/\uE000/g, '(?:.*/)?')
        .replace(/\uE001/g, '.*');
      // A matched folder excludes everything inside it.
      return new RegExp(`^${source}(?:/.*)?$`);
    });
  return (path) => regexes.some((re) => re.test(path));
}

export interface ReplayedStage {
  name?: string;
  from: string;
  /** The folder standing for the stage's `/`. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  exposed: string[];
  healthcheck?: { flags: Record<string, string>; cmd: string[] };
  cmd?: string[];
  stopSignal?: string;
  /** The folder of WORKDIR. */
  dir: string;
}

export interface ReplayOptions {
  context: string;
  ignored: (path: string) => boolean;
  /** Where the stage folders go. */
  scratch: string;
  /** Environment of every RUN besides the Dockerfile's ENV (PATH, npm's cache, offline). */
  runEnv: Record<string, string>;
}

function copy(src: string, dest: string, filter: (path: string) => boolean) {
  mkdirSync(dirname(dest), { recursive: true });
  cpSync(src, dest, { recursive: true, verbatimSymlinks: true, filter });
}

/** Builds every stage in order; throws with the output when a RUN fails. */
export async function replay(stages: Stage[], opts: ReplayOptions): Promise<ReplayedStage[]> {
  const done: ReplayedStage[] = [];
  for (const [index, stage] of stages.entries()) {
    const root = join(opts.scratch, `stage-${index}`);
    mkdirSync(root, { recursive: true });
    const s: ReplayedStage = {
      name: stage.name,
      from: stage.from,
      root,
      workdir: '/',
      env: {},
      exposed: [],
      dir: root,
    };
    const inRoot = (path: string) =>
      join(root, path.startsWith('/') ? path : join(s.workdir, path));
    for (const { op, flags, args } of stage.instructions) {
      switch (op) {
        case 'WORKDIR':
          s.workdir = args.startsWith('/') ? args : join(s.workdir, args);
          s.dir = inRoot(s.workdir);
          mkdirSync(s.dir, { recursive: true });
          break;
        case 'ENV':
          for (const pair of args.split(/\s+/)) {
            const eq = pair.indexOf('=');
            if (eq < 1) throw new Error(`ENV ${args}: only KEY=value pairs are replayed`);
            s.env[pair.slice(0, eq)] = pair.slice(eq + 1);
          }
          break;
        case 'COPY': {
          const words = args.split(/\s+/);
          const destArg = words.pop() as string;
          const from = flags.from ? done.find((d) => d.name === flags.from) : undefined;
          if (flags.from && !from) throw new Error(`COPY --from=${flags.from}: no such stage`);
          for (const srcArg of words) {
            const src = from ? join(from.root, srcArg) : join(opts.context, srcArg);
            if (!from && opts.ignored(srcArg))
              throw new Error(`COPY ${srcArg}: .dockerignore excludes it`);
            if (!existsSync(src))
              throw new Error(
                `COPY ${srcArg}: not in the ${from ? `stage ${from.name}` : 'context'}`,
              );
            const intoDir =
              destArg.endsWith('/') || words.length > 1 || statSync(src).isDirectory();
            const dest =
              intoDir && !statSync(src).isDirectory()
                ? join(inRoot(destArg), basename(src))
                : inRoot(destArg);
            const filter = from
              ? () => true
              : (p: string) => !opts.ignored(relative(opts.context, p));
            copy(src, dest, filter);
          }
          break;
        }
        case 'RUN': {
          const result = await run('sh', ['-c', args], {
            cwd: s.dir,
            env: { ...opts.runEnv, ...s.env },
            timeoutMs: 240_000,
          });
          if (result.code !== 0) {
            throw new Error(
              `RUN ${args} exited ${result.code}:\n${result.stdout}\n${result.stderr}`,
            );
          }
          break;
        }
        case 'USER':
          s.user = args;
          break;
        case 'EXPOSE':
          s.exposed.push(...args.split(/\s+/));
          break;
        case 'HEALTHCHECK': {
          const json = args.replace(/^CMD\s+/, '');
          s.healthcheck = { flags, cmd: JSON.parse(json) as string[] };
          break;
        }
        case 'CMD':
          s.cmd = JSON.parse(args) as string[];
          break;
        case 'STOPSIGNAL':
          s.stopSignal = args;
          break;
        default:
          throw new Error(`the replay does not know ${op}; teach it before using it`);
      }
    }
    done.push(s);
  }
  return done;
}
