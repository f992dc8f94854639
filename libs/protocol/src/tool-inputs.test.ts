import { describe, expect, it } from 'vitest';
import { createToolInputSchemas } from './tool-inputs.js';

const schemas = createToolInputSchemas({ maxTextBytes: 100 });
const messages = (result: { success: boolean; error?: { issues: { message: string }[] } }) =>
  result.error?.issues.map((i) => i.message) ?? [];

describe('tool input schemas', () => {
  it('accept a valid send and upper-case a lower-case conversation id', () => {
    const parsed = schemas.send_request.parse({
      to: 'agent-b',
      message: 'hi',
      conversation_id: '01arz3ndektsv4rrffq69g5fav',
    });
    expect(parsed.conversation_id).toBe('01ARZ3NDEKTSV4RRFFQ69G5FAV');
  });

  it('measure size limits in UTF-8 bytes and say how to fix them', () => {
    const ok = schemas.send_request.safeParse({ to: 'b', message: 'x'.repeat(100) });
    expect(ok.success).toBe(true);
    const result = schemas.send_request.safeParse({ to: 'b', message: '€'.repeat(34) });
    expect(messages(result)).toEqual([
      'message is 102 bytes, over the 100-byte (0 KiB) limit. Shorten it, or split it across several requests in the same conversation (pass conversation_id).',
    ]);
  });

  it('name the missing field and what it should hold', () => {
    expect(messages(schemas.respond_to_request.safeParse({ response: 'x' }))).toEqual([
      'request_id is required: the 26-character request_id exactly as a C3PO result gave it',
    ]);
    expect(messages(schemas.get_conversation.safeParse({ conversation_id: 'zz' }))[0]).toMatch(
      /not a valid conversation_id/,
    );
  });

  it('refuse negative timeouts but accept 0 and values above the cap', () => {
    expect(schemas.wait_for_request.safeParse({ timeout_seconds: -1 }).success).toBe(false);
    expect(schemas.wait_for_request.safeParse({ timeout_seconds: 0 }).success).toBe(true);
    expect(schemas.wait_for_request.safeParse({ timeout_seconds: 500 }).success).toBe(true);
  });

  it('bound list limits', () => {
    expect(schemas.get_pending_requests.safeParse({ limit: 101 }).success).toBe(false);
    expect(
      schemas.get_conversation.safeParse({
        conversation_id: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
        limit: 0,
      }).success,
    ).toBe(false);
  });
});
