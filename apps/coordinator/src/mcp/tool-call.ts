/** @module What a tool handler gets besides its arguments, and the handler type. */
import type { ToolInput, ToolName, ToolOutput } from '@c3po/protocol';
import type { Caller } from '../service/caller.js';
import type { Services } from '../service/create-services.js';

export interface ToolCall {
  caller: Caller;
  services: Services;
  /** Aborted when the client cancels the call or disconnects. */
  signal: AbortSignal;
  /** Sends progress notifications until the returned function is called (no-op without a token). */
  startProgress(label: string, totalSeconds: number): () => void;
  /** Registers what to do once it is known whether the result reached the client. */
  onSettled(settle: (delivered: boolean) => Promise<void>): void;
}

export type ToolHandler<N extends ToolName> = (
  args: ToolInput<N>,
  call: ToolCall,
) => Promise<ToolOutput<N>>;
