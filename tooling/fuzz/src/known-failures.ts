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
  // runtime
  { target: "runtime.startSpace().applyDirectives", outcome: "untyped-throw", owner: "rt-otp", input: {"call":0,"args":[{"k":"mutated","arg":0,"path":[0],"op":"throwing-getter","with":{"k":"special","name":"NaN"}}]} }, // Error: the hostile input’s own error escaped
  { target: "runtime.startSpace().call", outcome: "untyped-throw", owner: "rt-otp", input: {"call":0,"args":[{"k":"special","name":"throwingFunctionProxy"}]} }, // Error: the hostile input’s own error escaped
  { target: "runtime.startSpace().callSelected", outcome: "untyped-throw", owner: "rt-otp", input: {"call":0,"args":[{"k":"special","name":"deepArray"},{"k":"json","v":[true,5.060287323900584e-276,"",4.418645011906327e-96,false,"mwR,OZC0"]}]} }, // RangeError: Maximum call stack size exceeded
  { target: "runtime.startSpace().send", outcome: "untyped-throw", owner: "rt-otp", input: {"call":0,"args":[{"k":"special","name":"toStringKeyObject"}]} }, // TypeError: Cannot convert object to primitive value
  { target: "runtime.startSpace().sendToSelected", outcome: "untyped-throw", owner: "rt-otp", input: {"call":0,"args":[{"k":"special","name":"toStringKeyObject"}]} }, // TypeError: Cannot convert object to primitive value
  { target: "runtime.startSpace().setVariable", outcome: "untyped-throw", owner: "rt-otp", input: {"call":0,"args":[{"k":"special","name":"throwingFunctionProxy"}]} }, // Error: the hostile input’s own error escaped
  // teleprompters
  { target: "teleprompters.createTeamSpace().configurationOf", outcome: "untyped-throw", owner: "tele", input: {"call":0,"args":[{"k":"special","name":"set"}]} }, // TypeError: Cannot read properties of undefined (reading 'team')
];
