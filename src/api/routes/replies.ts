import { Type, type TSchema } from '@sinclair/typebox';
import { ErrorReply } from '../schemas.js';

/**
 * A route's response schemas: its successes plus the JSON error every route may answer. fastify
 * serializes replies through them (fields outside a schema are never sent) and /api/openapi.json
 * lists them.
 */
export function replies(ok: Record<number, TSchema>): Record<string, TSchema> {
  return { ...ok, '4xx': ErrorReply, '5xx': ErrorReply };
}

/** The reply of a 204. */
export const NoContent = Type.Null({ description: 'No content' });
