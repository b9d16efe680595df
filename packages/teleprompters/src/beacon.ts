import type { LanguageModel, MultiAgentSpace } from '@varplane/core';
import { z } from 'zod';
import { inputError } from './errors';
import { createDemoHarvest } from './internal/demo-harvest';
import { defaultDemoBuilder, instructionTarget } from './internal/demos';
import { stableStringify } from './internal/json';
import {
  type CommonOptimizerOptions,
  prepareOptimizer,
  startOptimizer,
} from './internal/optimizer';
import { proposeInstructions } from './internal/propose-instructions';
import { runTrialLoop } from './internal/trial-loop';
import { toWorkingTeam } from './internal/working-team';
import type { OptimizerRun } from './optimization-result';
import type { TeamExample } from './team-example';
import type { TeamMetric } from './team-runner';
import { createTpeSampler, type TpeOptions } from './tpe';

/** Options of {@link beacon}. */
export interface BeaconOptions extends CommonOptimizerOptions {
  /** Candidate teams proposed after the given one (default 50). */
  readonly numTrials?: number;
  /** Training examples each candidate runs on (default 8). */
  readonly minibatchSize?: number;
  /** Every this many trials the best candidate runs on all validation examples (default 10). */
  readonly fullEvalEvery?: number;
  /** Stop after this many validation runs in a row without a new best (default 0: never). */
  readonly patience?: number;
  /** The surrogate's settings. */
  readonly tpe?: Omit<TpeOptions, 'extraValues'>;
  /**
   * Mini-batches a promising candidate may run on beyond its first, when it is in the best third
   * of the candidates measured as often (default 2): multi-fidelity racing during the search.
   */
  readonly promotions?: number;
  /** Proposes instruction candidates for every agent with an instruction; optional. */
  readonly lm?: LanguageModel;
  /** Instructions the LM proposes per agent (default 4). */
  readonly instructionCandidates?: number;
}

const shape = {
  numTrials: z.int().positive().default(50),
  minibatchSize: z.int().positive().default(8),
  fullEvalEvery: z.int().positive().default(10),
  patience: z.int().nonnegative().default(0),
  promotions: z.int().nonnegative().default(2),
  tpe: z.record(z.string(), z.unknown()).default({}),
  lm: z
    .custom<LanguageModel>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as LanguageModel).generate === 'function',
      'must be a LanguageModel',
    )
    .optional(),
  instructionCandidates: z.int().nonnegative().default(4),
};

/**
 * BEACON: Bayesian optimization of a whole team with a tree-structured Parzen estimator over the
 * joint space (floats, integers, choices, conditional variables, demo subsets, instruction
 * candidates). Each trial runs the candidate the surrogate rates best (by `l(x) / g(x)`) on a
 * mini-batch; the best candidates periodically run on the validation examples, which decide the
 * result; `patience` stops a search that has stopped improving. With an LM, each agent's
 * instruction gains `instructionCandidates` proposals before the search. As MIPRO bootstraps its
 * demo candidates, once the random start is over each proposal's demos are drawn from the agents'
 * own steps in the search's runs that scored above 0 (recent ones first, and those of teams
 * orchestrated the same way first), so they cost no extra runs. The surrogate models the team's
 * variables and each agent's as groups (Optuna's group decomposition). A proposal's roles and
 * resources go to the agents it selects: a role among the agents (a star's hub) given to an agent
 * it does not select goes to one it does, and its allocation plan gives way to the plan that funds
 * the selected agents most while funding none of them less.
 *
 * @example
 * const { config } = await beacon(space, trainset, metric, { runner, numTrials: 60, seed: 3 }).result;
 */
export function beacon(
  space: MultiAgentSpace,
  trainset: readonly TeamExample[],
  metric: TeamMetric,
  options: BeaconOptions,
): OptimizerRun {
  const prepared = prepareOptimizer('beacon', space, trainset, metric, options, shape);
  const { team } = prepared;
  const o = prepared.options;
  // Checked now, so bad surrogate settings throw before anything runs.
  createTpeSampler(team.variables, o.tpe as TpeOptions);
  const instructionIds = Object.keys(team.agentParts)
    .map((agentId) => instructionTarget(team, agentId))
    .filter((id) => id !== undefined);
  const proposing = o.lm !== undefined && o.instructionCandidates > 0 && instructionIds.length > 0;
  if (team.variables.dimensionality().total === 0 && !proposing) {
    throw inputError(
      'TEAM_SPACE_NOT_SEARCHABLE',
      'beacon',
      'space',
      'has no variable that can take more than one value',
      space.id,
    );
  }
  return startOptimizer(prepared, async (context) => {
    let extraValues = {};
    if (proposing) {
      extraValues = await proposeInstructions(
        context,
        o.lm as LanguageModel,
        o.instructionCandidates,
      );
    } else if (instructionIds.length > 0 && o.lm === undefined) {
      context.skip(
        'instruction_proposals',
        'no LM was given (options.lm); instructions are searched among their own candidates',
      );
    }
    const harvest = createDemoHarvest(team, defaultDemoBuilder);
    // Harvested demos join the demo pools the surrogate chooses from; the sampler is rebuilt
    // when they change (cheap: it holds no observations).
    const tpeOptions: TpeOptions = {
      eiCandidates: EI_CANDIDATES,
      priorWeight: PRIOR_WEIGHT,
      ...(o.tpe as TpeOptions),
    };
    let tpe = createTpeSampler(team.variables, { ...tpeOptions, extraValues });
    let pooled = '';
    return runTrialLoop(context, {
      numTrials: o.numTrials,
      minibatchSize: o.minibatchSize,
      fullEvalEvery: o.fullEvalEvery,
      patience: o.patience,
      promotions: o.promotions,
      proposer: 'tpe',
      propose: (observations) => {
        const harvested = harvest.candidates(HARVESTED_PER_AGENT);
        const key = stableStringify(harvested);
        if (key !== pooled) {
          pooled = key;
          tpe = createTpeSampler(team.variables, {
            ...tpeOptions,
            extraValues: { ...extraValues, ...harvested },
          });
        }
        return toWorkingTeam(
          team,
          tpe.suggest(observations, context.random, context.baseline.configuration),
          context.random,
        );
      },
      observe: (candidate, records) => harvest.observe(candidate.configuration, records),
    });
  });
}

/**
 * Draws from l(x) each proposal is chosen among, unless `tpe.eiCandidates` says otherwise. Fewer
 * than the TPE's 24: each observation is a noisy mini-batch mean, and ranking many draws by
 * l(x) / g(x) chases that noise (measured: 8 did better than 24 and 96 at every budget from 100
 * evaluations on the development tasks).
 */
const EI_CANDIDATES = 8;

/**
 * Weight of the prior in each of the surrogate's estimators, unless `tpe.priorWeight` says
 * otherwise: half the TPE's 1, so a kernel keeps more of the good team it is drawn from (measured:
 * +0.00 to +0.03 from 100 evaluations on, on both development sets).
 */
const PRIOR_WEIGHT = 0.5;

/** Harvested demos per agent the surrogate may choose among (the best by weight). */
const HARVESTED_PER_AGENT = 4;
