/** @module What Claude Code hooks send to the coordinator: the few fields of their stdin JSON it needs (the plugin sends nothing else). */
import { z } from 'zod';

/**
 * A hook's input. Claude Code adds fields over time, so unknown ones are kept and every field is
 * optional: a hook must work even with a partial input.
 */
export const HookInputSchema = z.looseObject({
  session_id: z.string().max(200).optional(),
  hook_event_name: z.string().optional(),
  /** Stop: true when this Stop follows a block by a Stop hook. */
  stop_hook_active: z.boolean().optional(),
  /** PostToolUse: the tool that just ran. */
  tool_name: z.string().optional(),
  /** SessionStart: startup, resume, clear or compact. */
  source: z.string().optional(),
});
export type HookInput = z.infer<typeof HookInputSchema>;
