/** @module The environment the `c3po` command reads, parsed once. */
import { DEFAULT_COORDINATOR_URL } from '@c3po/protocol';
import { z } from 'zod';

export const CliEnvSchema = z.object({
  C3PO_COORDINATOR_URL: z
    .url({ error: 'C3PO_COORDINATOR_URL must be a URL such as http://localhost:8420' })
    .default(DEFAULT_COORDINATOR_URL),
  C3PO_ADMIN_TOKEN: z.string().optional(),
});

export type CliEnv = z.infer<typeof CliEnvSchema>;

export function loadCliEnv(env: Record<string, string | undefined> = process.env): CliEnv {
  return CliEnvSchema.parse(env);
}
