/** @module A sender taking its answers after a fault: each must come exactly once. */
import type { Response } from '@c3po/protocol';
import { expect } from 'vitest';

/**
 * Calls `wait` (a wait_for_response without request_id) until `count` answers came or `rounds`
 * calls were made, and fails the test on an answer that comes twice. Returns them by request ID.
 */
export async function takeAnswers(
  wait: () => Promise<{ response?: Response }>,
  count: number,
  rounds: number,
): Promise<Map<string, Response>> {
  const answered = new Map<string, Response>();
  for (let i = 0; i < rounds && answered.size < count; i++) {
    const w = await wait();
    if (w.response) {
      expect(answered.has(w.response.request_id)).toBe(false);
      answered.set(w.response.request_id, w.response);
    }
  }
  return answered;
}
