/**
 * @module What the model is given for a tool result. Claude Code hands the model the result's
 * `structuredContent` (not the text blocks), so every string another agent wrote is fenced right in
 * the structured fields, labelled with the verified sender and a marker random to this result, and
 * the result carries a `notice` saying how to read the fences. The text block holds the same JSON.
 */
import {
  type ConversationMessage,
  createFence,
  type DeliveredRequest,
  type Fence,
  type Response,
  type ToolName,
  type ToolOutput,
} from '@c3po/protocol';

function fenceRequest<R extends Omit<DeliveredRequest, 'delivery_count' | 'expires_at'>>(
  f: Fence,
  r: R,
): R {
  const label = { from: r.from, conversationId: r.conversation_id, requestId: r.request_id };
  return {
    ...r,
    message: f.wrap({ kind: 'request', ...label }, r.message),
    ...(r.context === undefined
      ? {}
      : { context: f.wrap({ kind: 'context', ...label }, r.context) }),
  };
}

function fenceResponse(f: Fence, r: Response): Response {
  return {
    ...r,
    response: f.wrap(
      {
        kind: 'response',
        from: r.from,
        conversationId: r.conversation_id,
        requestId: r.request_id,
      },
      r.response,
    ),
  };
}

function fenceMessage(f: Fence, m: ConversationMessage): ConversationMessage {
  if (m.type === 'request') return fenceRequest(f, m);
  if (m.type === 'response') return { ...fenceResponse(f, m), type: 'response' };
  return m;
}

/** The result with other agents' words fenced, and a notice when there are any. */
export function fenceOutput<N extends ToolName>(name: N, output: ToolOutput<N>): ToolOutput<N> {
  const f = createFence();
  const withNotice = <T extends object>(o: T, fenced: boolean): T =>
    fenced ? { ...o, notice: f.notice } : o;
  switch (name) {
    case 'wait_for_request':
    case 'get_pending_requests': {
      const o = output as ToolOutput<'get_pending_requests'>;
      const requests = o.requests?.map((r) => fenceRequest(f, r));
      return withNotice(
        { ...o, ...(requests ? { requests } : {}) },
        (requests?.length ?? 0) > 0,
      ) as ToolOutput<N>;
    }
    case 'wait_for_response': {
      const o = output as ToolOutput<'wait_for_response'>;
      if (!o.response) return output;
      return withNotice({ ...o, response: fenceResponse(f, o.response) }, true) as ToolOutput<N>;
    }
    case 'get_conversation': {
      const o = output as ToolOutput<'get_conversation'>;
      const messages = o.messages.map((m) => fenceMessage(f, m));
      return withNotice({ ...o, messages }, messages.length > 0) as ToolOutput<N>;
    }
    case 'list_agents': {
      const o = output as ToolOutput<'list_agents'>;
      let any = false;
      const agents = o.agents.map((a) => {
        if (a.description === undefined) return a;
        any = true;
        return {
          ...a,
          description: f.wrap({ kind: 'description', from: a.agent_id }, a.description),
        };
      });
      return withNotice({ ...o, agents }, any) as ToolOutput<N>;
    }
    default:
      return output;
  }
}
