#!/usr/bin/env node
/**
 * @module `c3po`: watch a coordinator (status, agents, conversations, show, tail), manage its
 * tokens, and act as an agent (send, inbox, answer), for a local or remote coordinator. Every
 * error ends it with `c3po: <reason>` on stderr and exit status 1.
 */
import { parseArgs } from 'node:util';
import { ZodError, z } from 'zod';
import { AGENT_COMMANDS } from './agent-commands.js';
import { loadCliEnv } from './cli-env.js';
import { CliError } from './cli-error.js';
import { COMMON_OPTIONS, type Command } from './command.js';
import { TAIL_COMMAND } from './tail-command.js';
import { TOKEN_COMMANDS } from './token-commands.js';
import { VIEW_COMMANDS } from './view-commands.js';

const GROUPS: [string, readonly Command[]][] = [
  ['Watch (admin or viewer token)', [...VIEW_COMMANDS, TAIL_COMMAND]],
  ['Tokens (admin token)', TOKEN_COMMANDS],
  ['Act as an agent, for a human in the loop (agent or admin token)', AGENT_COMMANDS],
];
const COMMANDS = GROUPS.flatMap(([, commands]) => commands);

const OPTIONS_HELP = `Options of every command:
  --url URL     the coordinator (default: $C3PO_URL, $C3PO_COORDINATOR_URL or http://localhost:8420)
  --json        JSON for scripts instead of tables
  -h, --help    help (c3po <command> --help)`;

const ENV_HELP = `Environment:
  C3PO_URL           the coordinator's base URL (C3PO_COORDINATOR_URL works too)
  C3PO_ADMIN_TOKEN   the admin token: tokens, and everything else
  C3PO_ADMIN_TOKEN_FILE  a file holding it (e.g. deploy/secrets/admin-token)
  C3PO_TOKEN         a viewer token (watching) or an agent token (acting as that agent)`;

/** Usages this long or shorter get their summary on the same line. */
const USAGE_WIDTH = 44;

function overview(commands: readonly Command[] = COMMANDS): string {
  const line = (c: Command) =>
    c.usage.length <= USAGE_WIDTH
      ? `  ${c.usage.padEnd(USAGE_WIDTH)}  ${c.summary}`
      : `  ${c.usage}
  ${''.padEnd(USAGE_WIDTH)}  ${c.summary}`;
  const sections = GROUPS.map(
    ([title, group]) => [title, group.filter((c) => commands.includes(c))] as const,
  )
    .filter(([, shown]) => shown.length > 0)
    .map(([title, shown]) => `${title}:\n${shown.map(line).join('\n')}\n`);
  return [
    'Usage: c3po <command> [options]   (in a clone: npx c3po …, or npm run c3po -- …)',
    '',
    ...sections,
    OPTIONS_HELP,
    '',
    ENV_HELP,
  ].join('\n');
}

const commandHelp = (c: Command) =>
  [
    `Usage: c3po ${c.usage} [--url URL] [--json]`,
    '',
    `${c.summary[0]?.toUpperCase() ?? ''}${c.summary.slice(1)}.`,
    '',
    c.help,
    '',
    OPTIONS_HELP,
    '',
    ENV_HELP,
  ].join('\n');

/** The command named by the first words of `argv`, and the rest of the arguments. */
function find(argv: string[]): { command?: Command; rest: string[]; group?: Command[] } {
  const [first, second] = argv;
  const exact = COMMANDS.find(
    (c) => c.words[0] === first && (c.words.length === 1 || c.words[1] === second),
  );
  if (exact) return { command: exact, rest: argv.slice(exact.words.length) };
  const group = COMMANDS.filter((c) => c.words[0] === first && c.words.length > 1);
  return { rest: argv.slice(1), ...(group.length > 0 ? { group } : {}) };
}

/** The command's options and words; a mistake in them is one line that points to the help. */
function parse(command: Command, args: string[]) {
  try {
    return parseArgs({
      args,
      options: { ...command.options, ...COMMON_OPTIONS },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    const first = (err as Error).message.split(/\.( |$)/)[0];
    throw new CliError(`${first}; see: c3po ${command.words.join(' ')} --help`);
  }
}

async function main(argv: string[]): Promise<string | undefined> {
  const [first] = argv;
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    return overview();
  }
  const { command, rest, group } = find(argv);
  if (!command) {
    if (group) {
      if (rest.length === 0 || rest.includes('--help') || rest.includes('-h'))
        return overview(group);
      throw new CliError(`unknown command "${first} ${rest[0]}"; see: c3po ${first} --help`);
    }
    throw new CliError(`unknown command "${first}"; see: c3po --help`);
  }
  const { values, positionals } = parse(command, rest);
  if (values.help) return commandHelp(command);
  return command.run({
    values,
    positionals,
    env: loadCliEnv(),
    print: (line) => process.stdout.write(`${line}\n`),
    note: (line) => process.stderr.write(`${line}\n`),
  });
}

main(process.argv.slice(2)).then(
  (out) => {
    if (out !== undefined) console.log(out);
  },
  (err: unknown) => {
    const reason =
      err instanceof ZodError
        ? z.prettifyError(err).replace(/\n\s*/g, ' ')
        : err instanceof Error
          ? err.message
          : String(err);
    console.error(`c3po: ${reason}`);
    process.exitCode = 1;
  },
);
