/** @module `c3po token create | list | revoke`: agent and viewer tokens (admin token). */
import { CreatedTokenSchema, ROUTES, TokenListSchema } from '@c3po/protocol';
import { CliError } from './cli-error.js';
import { type Command, clientFor, output } from './command.js';
import { table } from './format.js';

const create: Command = {
  words: ['token', 'create'],
  usage: 'token create (--agents PATTERNS | --viewer) [--name NOTE]',
  summary: 'create an agent token, or a read-only viewer token',
  help: [
    '--agents: the agent IDs the token may act as, comma-separated; * matches any run of',
    "characters and ? one character, e.g. --agents 'laptop-*'.",
    '--viewer: a read-only token for the status page and c3po status, agents, conversations,',
    'show and tail; it cannot act as an agent.',
    '--name: a note for people, e.g. "dana laptop". The secret is shown only once.',
  ].join('\n'),
  options: { agents: { type: 'string' }, viewer: { type: 'boolean' }, name: { type: 'string' } },
  async run(input) {
    const { agents, viewer, name } = input.values;
    if (viewer && agents) throw new CliError('give either --agents or --viewer, not both');
    if (!viewer && typeof agents !== 'string') {
      throw new CliError(
        "token create needs --agents, e.g. --agents 'laptop-*' (or --viewer for a read-only token)",
      );
    }
    const client = clientFor(input, 'admin');
    const created = CreatedTokenSchema.parse(
      await client.post(ROUTES.adminTokens, {
        ...(viewer ? { role: 'viewer' } : { agents }),
        ...(typeof name === 'string' ? { name } : {}),
      }),
    );
    return output(input, created, (t) =>
      t.role === 'viewer'
        ? [
            `Created viewer token ${t.id} (read-only). It is shown only once:`,
            '',
            `  ${t.token}`,
            '',
            `Paste it into the status page (${client.url}/), or for c3po:`,
            `  export C3PO_TOKEN=${t.token}`,
          ].join('\n')
        : [
            `Created token ${t.id} for agents ${t.agents.join(', ')}. It is shown only once:`,
            '',
            `  ${t.token}`,
            '',
            'On the machine of that agent, before starting Claude Code:',
            `  export C3PO_TOKEN=${t.token}`,
          ].join('\n'),
    );
  },
};

const list: Command = {
  words: ['token', 'list'],
  usage: 'token list',
  summary: 'list tokens (never their secrets)',
  help: 'Lists every token with its agents, note, role, creation and last use.',
  options: {},
  async run(input) {
    const { tokens } = TokenListSchema.parse(
      await clientFor(input, 'admin').get(ROUTES.adminTokens),
    );
    return output(input, { tokens }, () => {
      if (tokens.length === 0) {
        return 'No tokens. Create one with: c3po token create --agents <pattern> (or --viewer)';
      }
      const rows = tokens.map((t) => [
        t.id,
        t.role === 'viewer' ? '-' : t.agents.join(','),
        t.name ?? '',
        t.role,
        t.created_at,
        t.last_used_at ?? 'never',
      ]);
      return table(['ID', 'AGENTS', 'NAME', 'ROLE', 'CREATED', 'LAST USED'], rows);
    });
  },
};

const revoke: Command = {
  words: ['token', 'revoke'],
  usage: 'token revoke ID',
  summary: 'revoke a token at once',
  help: 'Revokes the token with this ID (from c3po token list); calls with it are refused within seconds on every replica.',
  options: {},
  async run(input) {
    const [id] = input.positionals;
    if (!id) throw new CliError('token revoke needs the token id (see: c3po token list)');
    const result = await clientFor(input, 'admin').delete(
      `${ROUTES.adminTokens}/${encodeURIComponent(id)}`,
    );
    return output(input, result, () => `Revoked token ${id}.`);
  },
};

export const TOKEN_COMMANDS: readonly Command[] = [create, list, revoke];
