/** @module What a `c3po` command is: its words, its help, its options, and what it runs. */
import type { ParseArgsConfig } from 'node:util';
import type { CliEnv } from './cli-env.js';
import { CliError } from './cli-error.js';
import { type Client, createClient } from './client.js';

/** Options every command takes. */
export const COMMON_OPTIONS = {
  url: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export interface CommandInput {
  /** Option values by name (`--agent x` → `{ agent: 'x' }`), the common ones included. */
  values: Record<string, string | boolean | undefined>;
  /** The words after the command's own. */
  positionals: string[];
  env: CliEnv;
  /** Writes a line to stdout (for commands that print as they go, like `tail`). */
  print(line: string): void;
  /** Writes a line to stderr: progress notes that are not the output. */
  note(line: string): void;
}

export interface Command {
  /** The words that name it, e.g. `['token', 'create']`. */
  words: readonly string[];
  /** One line: the arguments, e.g. `show CONVERSATION_ID`. */
  usage: string;
  /** What it does, for the overview. */
  summary: string;
  /** More help, shown by `--help`. */
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Returns what to print on stdout (undefined: nothing, or it printed as it went). */
  run(input: CommandInput): Promise<string | undefined>;
}

/** Which token a command sends. */
export type Access = 'viewer' | 'agent' | 'admin';

/** A client for the command's coordinator, with the token its access needs. */
export function clientFor(input: CommandInput, access: Access, agent?: string): Client {
  const { env, values } = input;
  const url = typeof values.url === 'string' ? values.url : env.url;
  const token =
    access === 'admin'
      ? env.adminToken
      : access === 'viewer'
        ? (env.adminToken ?? env.token)
        : (env.token ?? env.adminToken);
  if (access === 'admin' && !token) {
    throw new CliError(
      'C3PO_ADMIN_TOKEN is not set: export the admin token the coordinator was started with.',
    );
  }
  return createClient({ url, token, ...(agent ? { agent } : {}) });
}

/** The value of a string option, or a CliError saying it is needed. */
export function required(input: CommandInput, name: string, example: string): string {
  const value = input.values[name];
  if (typeof value !== 'string' || value === '') {
    throw new CliError(`this command needs --${name}, e.g. --${name} ${example}`);
  }
  return value;
}

/** JSON for scripts with --json; else what `human` makes of the result. */
export function output<T>(input: CommandInput, result: T, human: (r: T) => string): string {
  return input.values.json ? JSON.stringify(result, null, 2) : human(result);
}
