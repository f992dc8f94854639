/**
 * @module Request lifecycle events (sent, delivered, answered, cancelled, expired, dead_lettered):
 * written to the events stream for people watching, and told to in-process observers (metrics).
 * Never waited for.
 */
import type { Store } from '../store/create-store.js';
import type { Background } from './background.js';

export type RequestEvent =
  | 'sent'
  | 'delivered'
  | 'answered'
  | 'cancelled'
  | 'expired'
  | 'dead_lettered';

export interface EventSubject {
  request_id: string;
  conversation_id: string;
  from: string;
  to: string;
}

export type RecordEvents = (type: RequestEvent, subjects: readonly EventSubject[]) => void;

export function createEventRecorder(
  store: Store,
  background: Background,
  observe: (type: RequestEvent) => void = () => {},
): RecordEvents {
  return (type, subjects) => {
    if (subjects.length === 0) return;
    for (const _ of subjects) observe(type);
    const at = Date.now();
    background(`recording ${type} events`, () =>
      Promise.all(
        subjects.map((s) =>
          store.events.add({
            type,
            request_id: s.request_id,
            conversation_id: s.conversation_id,
            from: s.from,
            to: s.to,
            at,
          }),
        ),
      ),
    );
  };
}
