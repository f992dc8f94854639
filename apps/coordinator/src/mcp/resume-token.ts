/**
 * @module Resumable waits. A wait that answers as an SSE stream first sends an event whose id
 * names the call (tool, arguments, deadline). If the stream breaks before the answer (the
 * coordinator restarted, or a load balancer moved the client), the MCP client reconnects with a GET
 * carrying that id as Last-Event-ID, and any coordinator runs the wait again until the same
 * deadline. Only waits are resumable: running one again hands out nothing twice.
 */
import { z } from 'zod';

const PREFIX = 'c3po-wait.';

const TokenSchema = z.object({
  /** The JSON-RPC id of the original call: the client matches the answer to it. */
  id: z.union([z.string().max(100), z.number()]),
  tool: z.enum(['wait_for_request', 'wait_for_response']),
  request_id: z.string().max(40).optional(),
  /** When the original wait ends (ms since the epoch). */
  until: z.number().int().positive(),
});
export type ResumeToken = z.infer<typeof TokenSchema>;

export function encodeResumeToken(t: ResumeToken): string {
  return PREFIX + Buffer.from(JSON.stringify(t)).toString('base64url');
}

/** The wait a Last-Event-ID names, or undefined when it names none. */
export function decodeResumeToken(id: string | undefined): ResumeToken | undefined {
  if (!id?.startsWith(PREFIX) || id.length > 300) return undefined;
  try {
    const parsed = TokenSchema.safeParse(
      JSON.parse(Buffer.from(id.slice(PREFIX.length), 'base64url').toString('utf8')),
    );
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
