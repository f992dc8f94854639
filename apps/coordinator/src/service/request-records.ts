/** @module Steps shared by sends, answers and waits: a request's record and its delivered mark. */
import type { DeliveredRequest, Request } from '@c3po/protocol';
import { requestToFields } from '../store/codec.js';
import type { Store } from '../store/create-store.js';
import type { InboxItem } from '../store/inbox-store.js';

export const toDelivered = (item: InboxItem): DeliveredRequest => ({
  ...item.request,
  delivery_count: item.deliveries,
});

/** Writes the request record and the conversation entry of a request already in an inbox (idempotent). */
export async function recordRequest(store: Store, r: Request, ttlMs: number): Promise<void> {
  const { idempotency_key: _key, ...shown } = r;
  await Promise.all([
    store.conversations.append(
      r.conversation_id,
      `request:${r.request_id}`,
      [r.from, r.to],
      requestToFields(shown),
      ttlMs,
    ),
    store.records.create(
      {
        request_id: r.request_id,
        from: r.from,
        to: r.to,
        conversation_id: r.conversation_id,
        created_at: r.created_at,
        state: 'queued',
      },
      ttlMs,
    ),
  ]);
}

/** Records that the recipient has seen these requests (a tool result of theirs contained them). */
export async function markDelivered(store: Store, items: readonly InboxItem[]): Promise<void> {
  const at = new Date().toISOString();
  await Promise.all(
    items.map((i) =>
      store.records.transition(i.request.request_id, ['queued'], 'delivered', { delivered_at: at }),
    ),
  );
}
