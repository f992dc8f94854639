import { WAIT_DEFAULT_SECONDS, WAIT_MAX_SECONDS } from '@c3po/protocol';
import type { ToolHandler } from '../tool-call.js';

export const waitForResponse: ToolHandler<'wait_for_response'> = async (args, call) => {
  const total = Math.min(args.timeout_seconds ?? WAIT_DEFAULT_SECONDS, WAIT_MAX_SECONDS);
  const stop = call.startProgress('waiting for the answer', total);
  try {
    return await call.services.waits.forResponse(call.caller, args.request_id, {
      timeoutSeconds: args.timeout_seconds,
      signal: call.signal,
      onSettled: call.onSettled,
    });
  } finally {
    stop();
  }
};
