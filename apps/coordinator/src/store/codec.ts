/**
 * @module Stream entries ⇄ protocol types. Entries are flat, readable fields (`XRANGE` in
 * redis-cli shows them as they are), parsed back with the protocol's zod schemas.
 */
import {
  type ConversationMessage,
  ConversationMessageSchema,
  type Request,
  RequestSchema,
  type Response,
  ResponseSchema,
} from '@c3po/protocol';
import { z } from 'zod';

/** A Lua `{}` is JSON `{}` even where an empty list is meant. */
const luaList = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (Array.isArray(v) ? v : []), z.array(item));

/** A stream entry as the Lua scripts return it. */
export const ScriptEntrySchema = z.object({
  id: z.string(),
  fields: luaList(z.string()),
  deliveries: z.number().int().default(0),
});
export type ScriptEntry = z.infer<typeof ScriptEntrySchema>;
export const ScriptEntriesSchema = luaList(ScriptEntrySchema);

/** Parses a script's JSON reply with `schema`. */
export function parseScriptJson<T extends z.ZodType>(schema: T, reply: unknown): z.output<T> {
  return schema.parse(JSON.parse(String(reply)));
}

export function fieldsToRecord(fields: readonly string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2)
    record[fields[i] as string] = fields[i + 1] as string;
  return record;
}

function toFields(record: Record<string, string | undefined>): string[] {
  const fields: string[] = [];
  for (const [key, value] of Object.entries(record))
    if (value !== undefined) fields.push(key, value);
  return fields;
}

/** Field order puts the short, identifying fields first so redis-cli output reads well. */
export function requestToFields(r: Request): string[] {
  return toFields({
    type: 'request',
    request_id: r.request_id,
    conversation_id: r.conversation_id,
    from: r.from,
    to: r.to,
    created_at: r.created_at,
    idempotency_key: r.idempotency_key,
    message: r.message,
    context: r.context,
  });
}

export function responseToFields(r: Response): string[] {
  return toFields({
    type: 'response',
    response_id: r.response_id,
    request_id: r.request_id,
    conversation_id: r.conversation_id,
    from: r.from,
    to: r.to,
    status: r.status,
    created_at: r.created_at,
    response: r.response,
  });
}

/** Entry fields as a script returns them (a flat list) or as node-redis does (a record). */
type Fields = readonly string[] | Record<string, string>;
const asRecord = (f: Fields) => (Array.isArray(f) ? fieldsToRecord(f) : f);

export const parseRequest = (fields: Fields): Request => RequestSchema.parse(asRecord(fields));
export const parseResponse = (fields: Fields): Response => ResponseSchema.parse(asRecord(fields));
export const parseConversationMessage = (fields: Fields): ConversationMessage =>
  ConversationMessageSchema.parse(asRecord(fields));
