import type { CallRecipe } from './hostile';

/**
 * Failures of other owners' packages, recorded so the suite can land before their fixes. Each
 * entry names the target, the outcome, and an input that shows it; every run replays that input,
 * and an entry whose input no longer fails that way fails the suite, so the list only shrinks.
 * `pnpm fuzz --list-known` prints entries for every failure it finds.
 */
export interface KnownFailure {
  readonly target: string;
  readonly outcome: string;
  /** Who fixes it (issue 16's owner of that package). */
  readonly owner: string;
  readonly input: CallRecipe;
}

// One entry a line, so the list reads (and shrinks) as a table.
// biome-ignore format: one entry a line
export const KNOWN_FAILURES: readonly KnownFailure[] = [
  // coordination
  // core
  // telemetry
  // teleprompters
  // runtime
];
