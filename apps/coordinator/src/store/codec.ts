/**
 * @module Stream entries and hashes ⇄ protocol types. Entries are flat, readable fields (`XRANGE`
 * in redis-cli shows them as they are), parsed back with the protocol's zod schemas.
 */
import {
  type ConversationMessage,
  ConversationMessageSchema,
  type Request,
  RequestSchema,
} from '@c3po/protocol';
import { z } from 'zod';

/** A Lua `{}` is JSON `{}` even where an empty list is meant. */
export const luaList = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (Array.isArray(v) ? v : []), z.array(item));

/** A stream entry as the Lua scripts return it. */
export const ScriptEntrySchema = z.object({
  id: z.string(),
  fields: luaList(z.string()),
  deliveries: z.number().int().default(0),
  ended: z.boolean().optional(),
});
export type ScriptEntry = z.infer<typeof ScriptEntrySchema>;
export const ScriptEntriesSchema = luaList(ScriptEntrySchema);

/** A hash as the Lua scripts return it (`{}` when empty). */
export const ScriptHashSchema = z.preprocess(
  (v) => (v && typeof v === 'object' && !Array.isArray(v) ? v : {}),
  z.record(z.string(), z.string()),
);

/** Parses a script's JSON reply with `schema`. */
export function parseScriptJson<T extends z.ZodType>(schema: T, reply: unknown): z.output<T> {
  return schema.parse(JSON.parse(String(reply)));
}

/** A flat `[field, value, ...]` list (an entry, or HGETALL under RESP2) as a record. */
export function fieldsToRecord(fields: readonly unknown[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) record[String(fields[i])] = String(fields[i + 1]);
  return record;
}

/** A record as a flat `[field, value, ...]` list, without undefined values. */
export function toFields(record: Record<string, string | number | undefined>): string[] {
  const fields: string[] = [];
  for (const [key, value] of Object.entries(record))
    if (value !== undefined) fields.push(key, String(value));
  return fields;
}

/** A request as a conversation entry. Short, identifying fields first, so redis-cli reads well. */
export function requestToFields(r: Request): string[] {
  return toFields({
    type: 'request',
    request_id: r.request_id,
    conversation_id: r.conversation_id,
    from: r.from,
    to: r.to,
    created_at: r.created_at,
    message: r.message,
    context: r.context,
  });
}

/**
 * A request as an inbox entry: only what identifies it and a preview. Its words are in its
 * record, so that no script ever handles them (bounded work, whatever their size).
 */
export function requestToPointer(r: Request, expiresAtMs: number, preview: string): string[] {
  return toFields({
    type: 'request',
    request_id: r.request_id,
    conversation_id: r.conversation_id,
    from: r.from,
    to: r.to,
    created_at: r.created_at,
    expires_at: expiresAtMs,
    preview,
  });
}

/** Entry fields as a script returns them (a flat list) or a record. */
type Fields = readonly string[] | Record<string, string>;
const asRecord = (f: Fields) =>
  Array.isArray(f) ? fieldsToRecord(f) : (f as Record<string, string>);

export const parseRequest = (fields: Fields): Request => RequestSchema.parse(asRecord(fields));

const PointerSchema = RequestSchema.omit({ message: true, context: true });

/** An inbox entry: the request without its words, and its preview. */
export const parsePointer = (fields: Fields) => {
  const r = asRecord(fields);
  return {
    request: PointerSchema.parse(r),
    expiresAtMs: Number(r.expires_at ?? 0),
    preview: r.preview ?? '',
  };
};
export const parseConversationMessage = (fields: Fields): ConversationMessage =>
  ConversationMessageSchema.parse(asRecord(fields));
