import type { Vote } from '@varplane/core';
import { idRecord } from '@varplane/core/internal';
import { z } from 'zod';

export const voteSchema = z.object({
  agent: z.string().min(1),
  approve: z.boolean(),
  // Keyed by the proposal's keys, any string (`__proto__` included).
  changes: idRecord(z.boolean()).optional(),
});

const answerSchema = voteSchema.omit({ agent: true }).strict();

/**
 * A live voter's answer: `true`/`false`, or `{ approve, changes? }` where `changes` says per
 * proposed key whether the voter approves that one. Anything else is malformed: `error` says why.
 */
export function readVote(
  agent: string,
  answer: unknown,
  proposed?: Readonly<Record<string, unknown>>,
): { vote: Vote } | { error: string } {
  if (typeof answer === 'boolean') return { vote: { agent, approve: answer } };
  const parsed = answerSchema.safeParse(answer);
  if (!parsed.success) {
    return {
      error: `expected true, false or { approve: boolean, changes?: { [key]: boolean } }; ${parsed.error.issues.map((i) => `${i.path.join('.') || 'answer'}: ${i.message}`).join('; ')}`,
    };
  }
  const changes = parsed.data.changes;
  if (changes !== undefined && proposed !== undefined) {
    const stranger = Object.keys(changes).find((key) => !Object.hasOwn(proposed, key));
    if (stranger !== undefined)
      return {
        error: `changes.${stranger}: was not proposed (proposed: ${Object.keys(proposed).join(', ')})`,
      };
  }
  return {
    vote:
      changes === undefined
        ? { agent, approve: parsed.data.approve }
        : { agent, approve: parsed.data.approve, changes },
  };
}
