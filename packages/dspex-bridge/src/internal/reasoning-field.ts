import { z } from 'zod';

/** The output a predictor that reasons first asks for, before the signature's own outputs. */
export const REASONING_FIELD = 'reasoning';

export const reasoningSchema = z
  .string()
  .describe('Think step by step about the inputs before giving the other outputs.');
