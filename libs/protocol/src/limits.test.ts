import { describe, expect, it } from 'vitest';
import { utf8ByteLength } from './limits.js';

describe('utf8ByteLength', () => {
  it.each(['', 'abc', 'é', '€', '😀', 'a😀b€é', '\ud800', 'x\udc00'])(
    'agrees with Buffer for %j',
    (s) => {
      expect(utf8ByteLength(s)).toBe(Buffer.byteLength(s, 'utf8'));
    },
  );
});
