import type { Vote } from '@varplane/core';
import { z } from 'zod';

export const voteSchema = z.object({
  agent: z.string().min(1),
  approve: z.boolean(),
  changes: z.record(z.string(), z.boolean()).optional(),
});

const answerSchema = voteSchema.omit({ agent: true });

/** A live voter's answer: `true`/`false`, or `{ approve, changes? }`. Anything else is no vote. */
export function readVote(agent: string, answer: unknown): Vote | undefined {
  if (typeof answer === 'boolean') return { agent, approve: answer };
  const parsed = answerSchema.safeParse(answer);
  if (!parsed.success) return undefined;
  return parsed.data.changes === undefined
    ? { agent, approve: parsed.data.approve }
    : { agent, approve: parsed.data.approve, changes: parsed.data.changes };
}
