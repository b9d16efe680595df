import type { MultiAgentSpace } from '@varplane/core';
import { z } from 'zod';
import { inputError } from './errors';
import {
  type CommonOptimizerOptions,
  prepareOptimizer,
  startOptimizer,
} from './internal/optimizer';
import { randomConfiguration } from './internal/random-configuration';
import { runTrialLoop } from './internal/trial-loop';
import type { OptimizerRun } from './optimization-result';
import type { TeamExample } from './team-example';
import type { TeamMetric } from './team-runner';

/** Options of {@link randomSearch}: BEACON's, without the surrogate. */
export interface RandomSearchOptions extends CommonOptimizerOptions {
  /** Random candidate teams tried after the given one (default 50). */
  readonly numTrials?: number;
  /** Training examples each candidate runs on (default 8). */
  readonly minibatchSize?: number;
  /** Every this many trials the best candidate runs on all validation examples (default 10). */
  readonly fullEvalEvery?: number;
  /** Stop after this many validation runs in a row without a new best (default 0: never). */
  readonly patience?: number;
}

const shape = {
  numTrials: z.int().positive().default(50),
  minibatchSize: z.int().positive().default(8),
  fullEvalEvery: z.int().positive().default(10),
  patience: z.int().nonnegative().default(0),
};

/**
 * Random search over the joint team space: the honest baseline. Same interface, evaluation
 * protocol and budget rules as {@link beacon}, with candidates drawn uniformly from the space
 * (frozen variables keep the team's values).
 *
 * @example
 * const baseline = await randomSearch(space, trainset, metric, { runner, numTrials: 60 }).result;
 */
export function randomSearch(
  space: MultiAgentSpace,
  trainset: readonly TeamExample[],
  metric: TeamMetric,
  options: RandomSearchOptions,
): OptimizerRun {
  const prepared = prepareOptimizer('random_search', space, trainset, metric, options, shape);
  const { team } = prepared;
  const o = prepared.options;
  if (team.variables.dimensionality().total === 0) {
    throw inputError(
      'TEAM_SPACE_NOT_SEARCHABLE',
      'randomSearch',
      'space',
      'has no variable that can take more than one value',
      space.id,
    );
  }
  const frozen = new Set(
    team.variables.variables
      .filter((variable) => variable.kind !== 'composite' && variable.hints.frozen === true)
      .map((variable) => variable.id),
  );
  return startOptimizer(prepared, (context) =>
    runTrialLoop(context, {
      numTrials: o.numTrials,
      minibatchSize: o.minibatchSize,
      fullEvalEvery: o.fullEvalEvery,
      patience: o.patience,
      proposer: 'sampled',
      propose: () =>
        randomConfiguration(team.variables, context.random, context.baseline.configuration, (id) =>
          frozen.has(id),
        ),
    }),
  );
}
