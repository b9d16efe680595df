import type { JsonValue } from '@varplane/core';
import { describeValue, formatIssues } from '@varplane/core/internal';
import { z } from 'zod';
import { TeamConfigError } from './errors';
import { reasonOf } from './internal/guard';
import { toIssues } from './internal/parse';

/** The `format` field of every serialized team configuration. */
export const TEAM_CONFIG_FORMAT = 'varplane.team-config';
/** The version this package writes and reads. */
export const TEAM_CONFIG_VERSION = 1;

/** Where one variable's value came from: the candidate that set it, and how. */
export interface ValueOrigin {
  /** The candidate (0 is the team as given) whose change set the value. */
  readonly candidate: number;
  /** `baseline`, `sampled`, `tpe`, a mutation strategy (`topology_mutation`), `append_demo`... */
  readonly by: string;
}

/**
 * A whole team's optimized configuration: every variable's value (ids of the joint team space),
 * its score and where it came from. Plain JSON, versioned; `applyTeamConfig` applies it exactly.
 */
export interface TeamConfig {
  readonly format: typeof TEAM_CONFIG_FORMAT;
  readonly version: typeof TEAM_CONFIG_VERSION;
  /** The id of the team it was made for. */
  readonly spaceId: string;
  readonly values: Readonly<Record<string, JsonValue>>;
  /** Mean metric score; `null` when it was not scored. */
  readonly score: number | null;
  /** What `score` was measured on. */
  readonly scoredOn: 'validation' | 'trainset' | 'none';
  /** How many examples `score` averages. */
  readonly examplesScored: number;
  readonly source: {
    readonly optimizer: string;
    readonly seed: number;
    readonly candidate: number;
    /** The candidate it was derived from, when it was. */
    readonly parent: number | null;
    /** The strategy that made it from its parent, when one did. */
    readonly strategy: string | null;
  };
  /** Per variable id: which candidate set its value and how. */
  readonly origins: Readonly<Record<string, ValueOrigin>>;
}

const originSchema = z.object({ candidate: z.int().nonnegative(), by: z.string().min(1) });

/** Validates a {@link TeamConfig} (any version field; {@link parseTeamConfig} checks it). */
export const teamConfigSchema = z.object({
  format: z.literal(TEAM_CONFIG_FORMAT),
  version: z.int(),
  spaceId: z.string().min(1),
  values: z.record(z.string(), z.json()),
  score: z.number().nullable(),
  scoredOn: z.enum(['validation', 'trainset', 'none']),
  examplesScored: z.int().nonnegative(),
  source: z.object({
    optimizer: z.string().min(1),
    seed: z.number(),
    candidate: z.int().nonnegative(),
    parent: z.int().nonnegative().nullable(),
    strategy: z.string().nullable(),
  }),
  origins: z.record(z.string(), originSchema),
});

/** Whether a value looks like a {@link TeamConfig} (by its `format` field). */
export function isTeamConfig(value: unknown): value is TeamConfig {
  try {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as { format?: unknown }).format === TEAM_CONFIG_FORMAT
    );
  } catch {
    // A value whose `format` cannot even be read is not a team config.
    return false;
  }
}

/**
 * Checks a team configuration read from anywhere: its shape, then its version. Throws a
 * `TeamConfigError` (`TEAM_CONFIG_INVALID` or `TEAM_CONFIG_VERSION_UNSUPPORTED`).
 */
export function checkTeamConfig(value: unknown): TeamConfig {
  let result: ReturnType<typeof teamConfigSchema.safeParse>;
  try {
    result = teamConfigSchema.safeParse(value, { reportInput: true });
  } catch (error) {
    throw new TeamConfigError({
      code: 'TEAM_CONFIG_INVALID',
      message: `team config: cannot be read: ${reasonOf(error)} (got ${describeValue(value)})`,
      issues: [{ path: '', message: 'cannot be read', value }],
      cause: error,
    });
  }
  if (!result.success) {
    const issues = toIssues(result.error);
    throw new TeamConfigError({
      code: 'TEAM_CONFIG_INVALID',
      message: `team config: ${formatIssues(issues)}`,
      issues,
    });
  }
  if (result.data.version !== TEAM_CONFIG_VERSION) {
    throw new TeamConfigError({
      code: 'TEAM_CONFIG_VERSION_UNSUPPORTED',
      message: `team config: version must be ${TEAM_CONFIG_VERSION} (got ${describeValue(result.data.version)})`,
      issues: [{ path: 'version', message: 'unsupported version', value: result.data.version }],
    });
  }
  return result.data as TeamConfig;
}

/** JSON text of a team configuration; {@link parseTeamConfig} reads it back identical. */
export function serializeTeamConfig(config: TeamConfig): string {
  return JSON.stringify(checkTeamConfig(config), null, 2);
}

/**
 * Reads JSON text written by {@link serializeTeamConfig}.
 *
 * @example
 * const config = parseTeamConfig(await readFile('team.json', 'utf8'));
 * const tuned = applyTeamConfig(space, config);
 */
export function parseTeamConfig(text: string): TeamConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TeamConfigError({
      code: 'TEAM_CONFIG_INVALID',
      message: `team config: text is not JSON (got ${describeValue(text)})`,
      issues: [{ path: '', message: 'is not JSON', value: text }],
      cause: error,
    });
  }
  return checkTeamConfig(value);
}
