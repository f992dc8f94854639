/** @module The environment the `c3po` command reads, parsed once. */
import { readFileSync } from 'node:fs';
import { DEFAULT_COORDINATOR_URL } from '@c3po/protocol';
import { z } from 'zod';

/** An empty variable counts as unset. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const url = (name: string) =>
  optional(z.url({ error: `${name} must be a URL such as http://localhost:8420` }));

export const CliEnvSchema = z
  .object({
    /** The coordinator's base URL. */
    C3PO_URL: url('C3PO_URL'),
    /** The same, under the name the plugin uses. */
    C3PO_COORDINATOR_URL: url('C3PO_COORDINATOR_URL'),
    /** A viewer token (watching) or an agent token (acting as an agent). */
    C3PO_TOKEN: optional(z.string()),
    /** The admin token: creates tokens, and may do everything else. */
    C3PO_ADMIN_TOKEN: optional(z.string()),
    /** A file holding the admin token (the Docker secret the coordinator reads too). */
    C3PO_ADMIN_TOKEN_FILE: optional(z.string()),
  })
  .transform((e, ctx) => {
    let adminToken = e.C3PO_ADMIN_TOKEN;
    if (!adminToken && e.C3PO_ADMIN_TOKEN_FILE) {
      try {
        adminToken = readFileSync(e.C3PO_ADMIN_TOKEN_FILE, 'utf8').trim();
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          path: ['C3PO_ADMIN_TOKEN_FILE'],
          message: `C3PO_ADMIN_TOKEN_FILE: cannot read ${e.C3PO_ADMIN_TOKEN_FILE}: ${(err as Error).message}`,
        });
        return z.NEVER;
      }
    }
    return {
      url: e.C3PO_URL ?? e.C3PO_COORDINATOR_URL ?? DEFAULT_COORDINATOR_URL,
      token: e.C3PO_TOKEN,
      adminToken,
    };
  });

export type CliEnv = z.output<typeof CliEnvSchema>;

export function loadCliEnv(env: Record<string, string | undefined> = process.env): CliEnv {
  return CliEnvSchema.parse(env);
}
