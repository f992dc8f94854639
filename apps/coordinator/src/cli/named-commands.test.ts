/**
 * Every `c3po …` command that a hint, a message, the status page, the plugin or the docs tell
 * someone to run exists exactly as written: its words name a command, and its --options are ones
 * that command takes.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AGENT_COMMANDS } from './agent-commands.js';
import { COMMON_OPTIONS, type Command } from './command.js';
import { TAIL_COMMAND } from './tail-command.js';
import { TOKEN_COMMANDS } from './token-commands.js';
import { VIEW_COMMANDS } from './view-commands.js';

const COMMANDS: readonly Command[] = [
  ...VIEW_COMMANDS,
  TAIL_COMMAND,
  ...TOKEN_COMMANDS,
  ...AGENT_COMMANDS,
];
const REPO = new URL('../../../../', import.meta.url);

/** Where people and models are told what to run. */
const PLACES = [
  'apps/coordinator/src',
  'libs/protocol/src',
  'apps/plugin/hooks',
  'apps/plugin/skills',
  'apps/plugin/README.md',
  'docs',
  'README.md',
];
/** Words after "c3po" that are prose, not a command ("the c3po command reads …"). */
const PROSE = new Set(['command', 'commands', 'coordinator']);

function files(path: string): string[] {
  const url = new URL(path, REPO);
  if (!statSync(url).isDirectory()) return [path];
  return readdirSync(url, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|tsx|md|sh|js|html)$/.test(f) && !/\.test\.ts$/.test(f))
    .map((f) => `${path}/${f}`);
}

/** Each `c3po <words> …` in the text, up to the end of its code span, quote or line. */
function namedCommands(text: string): { words: string[]; options: string[]; at: string }[] {
  return [...text.matchAll(/\bc3po ([a-z]+)(?![a-z:])(?: ([a-z]+))?([^`'"\n)]*)/g)]
    .filter((m) => !PROSE.has(m[1] as string))
    .map((m) => ({
      words: [m[1], m[2]].filter((w): w is string => w !== undefined),
      options: [...(m[3] ?? '').matchAll(/(?:^|\s)--([a-z-]+)/g)].map((o) => o[1] as string),
      at: m[0],
    }));
}

describe('commands named to people and models', () => {
  const named = PLACES.flatMap(files).flatMap((file) =>
    namedCommands(readFileSync(new URL(file, REPO), 'utf8')).map((n) => ({ ...n, file })),
  );

  it('finds the places that name them', () => {
    expect(named.map((n) => n.words.join(' '))).toEqual(
      expect.arrayContaining(['token create', 'status', 'tail', 'send', 'inbox', 'answer']),
    );
  });

  it('names only commands that exist, with options they take', () => {
    const wrong = named.flatMap(({ words, options, at, file }) => {
      const command = COMMANDS.find((c) => c.words.every((w, i) => words[i] === w));
      if (!command) return [`${file}: "${at}" names no command`];
      const takes = new Set([...Object.keys(command.options), ...Object.keys(COMMON_OPTIONS)]);
      return options
        .filter((o) => !takes.has(o))
        .map((o) => `${file}: "${at}": c3po ${command.words.join(' ')} takes no --${o}`);
    });
    expect(wrong).toEqual([]);
  });
});
