/**
 * @module Fencing: another agent's words shown to a model are wrapped in a labelled block that
 * names the verified sender, so the model can tell a colleague's request from its human's words.
 */

/** Neutralises text that could close the fence early or fake a new one. */
function defang(text: string): string {
  return text.replace(/\[(end|C3PO)/gi, '[\u200b$1');
}

export interface FenceLabel {
  kind: 'request' | 'response' | 'context';
  from: string;
  conversationId: string;
  requestId?: string;
}

/**
 * @example fence({ kind: 'request', from: 'agent-a', conversationId: '01J…' }, 'hi')
 * // '[C3PO request from agent-a, conversation 01J…]\nhi\n[end]'
 */
export function fence(label: FenceLabel, text: string): string {
  const request = label.requestId ? `, request ${label.requestId}` : '';
  return `[C3PO ${label.kind} from ${label.from}, conversation ${label.conversationId}${request}]\n${defang(text)}\n[end]`;
}
