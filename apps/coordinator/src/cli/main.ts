#!/usr/bin/env node
/**
 * @module `c3po`: manage agent tokens on a running coordinator through its admin routes.
 * Needs C3PO_ADMIN_TOKEN; talks to C3PO_COORDINATOR_URL (or --url).
 */
import { parseArgs } from 'node:util';
import { CreatedTokenSchema, ErrorBodySchema, ROUTES, TokenListSchema } from '@c3po/protocol';
import { ZodError, z } from 'zod';
import { loadCliEnv } from './cli-env.js';

const HELP = `Usage: c3po token <command> [options]   (in the repository: npm run c3po -- token …)

Commands:
  token create --agents <patterns> [--name <note>]
                         create an agent token for agent IDs matching the patterns
                         (comma-separated; * matches any run, ? one character), e.g. 'laptop-*'
  token list             list tokens (never their secrets)
  token revoke <id>      revoke a token at once

Options:
  --url <base>           coordinator base URL (default: $C3PO_COORDINATOR_URL or http://localhost:8420)
  -h, --help             show this help

Environment:
  C3PO_ADMIN_TOKEN       the coordinator's admin token (required)
  C3PO_COORDINATOR_URL   the coordinator base URL`;

class CliError extends Error {}

async function call(base: string, admin: string, method: string, path: string, body?: unknown) {
  let res: Response;
  try {
    res = await fetch(new URL(path, base), {
      method,
      headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw new CliError(
      `cannot reach the coordinator at ${base} (${(err as Error).cause ?? err}). Is it running? Set --url or C3PO_COORDINATOR_URL.`,
    );
  }
  const json: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const error = ErrorBodySchema.safeParse(json);
    const text = error.success
      ? [error.data.error.message, error.data.error.hint].filter(Boolean).join(' ')
      : `HTTP ${res.status}`;
    throw new CliError(text);
  }
  return json;
}

async function run(argv: string[]): Promise<string> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      agents: { type: 'string' },
      name: { type: 'string' },
      url: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [group, command, id] = positionals;
  if (values.help || group !== 'token' || !command) return HELP;
  const env = loadCliEnv();
  const base = values.url ?? env.C3PO_COORDINATOR_URL;
  const admin = env.C3PO_ADMIN_TOKEN;
  if (!admin)
    throw new CliError(
      'C3PO_ADMIN_TOKEN is not set: export the admin token the coordinator was started with.',
    );
  switch (command) {
    case 'create': {
      if (!values.agents)
        throw new CliError("token create needs --agents, e.g. --agents 'laptop-*'");
      const created = CreatedTokenSchema.parse(
        await call(base, admin, 'POST', ROUTES.adminTokens, {
          agents: values.agents,
          ...(values.name ? { name: values.name } : {}),
        }),
      );
      return [
        `Created token ${created.id} for agents ${created.agents.join(', ')}. It is shown only once:`,
        '',
        `  ${created.token}`,
        '',
        'On the machine of that agent, before starting Claude Code:',
        `  export C3PO_TOKEN=${created.token}`,
      ].join('\n');
    }
    case 'list': {
      const { tokens } = TokenListSchema.parse(await call(base, admin, 'GET', ROUTES.adminTokens));
      if (tokens.length === 0)
        return 'No tokens. Create one with: c3po token create --agents <pattern>';
      const rows = tokens.map((t) => [
        t.id,
        t.agents.join(','),
        t.name ?? '',
        t.created_at,
        t.last_used_at ?? 'never',
      ]);
      const head = ['ID', 'AGENTS', 'NAME', 'CREATED', 'LAST USED'];
      const widths = head.map((h, i) =>
        Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)),
      );
      return [head, ...rows]
        .map((r) =>
          r
            .map((cell, i) => cell.padEnd(widths[i] ?? 0))
            .join('  ')
            .trimEnd(),
        )
        .join('\n');
    }
    case 'revoke': {
      if (!id) throw new CliError('token revoke needs the token id (see: c3po token list)');
      await call(base, admin, 'DELETE', `${ROUTES.adminTokens}/${encodeURIComponent(id)}`);
      return `Revoked token ${id}.`;
    }
    default:
      throw new CliError(`unknown command "token ${command}"\n\n${HELP}`);
  }
}

run(process.argv.slice(2)).then(
  (out) => console.log(out),
  (err: unknown) => {
    if (err instanceof CliError) console.error(`c3po: ${err.message}`);
    else if (err instanceof ZodError) console.error(`c3po: ${z.prettifyError(err)}`);
    else console.error(`c3po: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
