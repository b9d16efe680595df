import type { JsonValue } from '@varplane/core';
import { z } from 'zod';

/**
 * One task for a team, in the shape of the API card's `training_example`: what goes in, what should
 * come out, and what kind of task it is (so metrics and simulated teams can tell tasks apart).
 */
export interface TeamExample {
  readonly input: Readonly<Record<string, JsonValue>>;
  readonly expectedOutput?: Readonly<Record<string, JsonValue>>;
  readonly taskType?: string;
  readonly complexity?: string;
  /** What the task needs (`tokens`, `memory`...), for runners that plan resources. */
  readonly resourceRequirements?: Readonly<Record<string, number>>;
}

const jsonRecord = z.record(z.string(), z.json());

/** Validates a {@link TeamExample}. */
export const teamExampleSchema = z.object({
  input: jsonRecord,
  expectedOutput: jsonRecord.optional(),
  taskType: z.string().optional(),
  complexity: z.string().optional(),
  resourceRequirements: z.record(z.string(), z.number()).optional(),
});
