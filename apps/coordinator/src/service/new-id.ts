/**
 * @module New request, conversation, response and wait IDs: ULIDs, with their randomness drawn
 * from a pooled crypto buffer (the ulid package asks the system for one byte at a time, which was
 * a measurable part of every call).
 */
import { randomFillSync } from 'node:crypto';
import { ulid } from 'ulid';

const pool = Buffer.alloc(4096);
let offset = pool.length;

/** A uniform number in [0, 1) from cryptographic randomness. */
function random(): number {
  if (offset + 4 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const n = pool.readUInt32BE(offset);
  offset += 4;
  return n / 0x1_0000_0000;
}

/** A new ULID for `timeMs` (default now). */
export const newId = (timeMs?: number): string => ulid(timeMs, random);
