import type { z } from 'zod';

/** A JSON value: what a configuration holds, so it serializes and parses back exactly. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** What a variable holds; each kind has a constructor of the same name. */
export type VariableKind =
  | 'float'
  | 'integer'
  | 'choice'
  | 'boolean'
  | 'module'
  | 'text'
  | 'demos'
  | 'composite';

/** The values a choice may take. */
export type ChoiceValue = string | number | boolean;

/**
 * When a conditional variable is active, judged on another variable's value. An inactive variable
 * is absent from a valid configuration.
 */
export type Predicate =
  | { readonly equals: JsonValue }
  | { readonly notEquals: JsonValue }
  | { readonly oneOf: readonly JsonValue[] }
  | { readonly between: readonly [number, number] }
  | ((value: unknown) => boolean);

/** Makes a variable conditional: it is active only while `when` holds on another's value. */
export interface Condition {
  /** The variable whose value decides. It becomes a dependency. */
  readonly variable: string;
  readonly when: Predicate;
}

/** Hints optimizers read; they never change what validates. */
export interface OptimizationHints {
  /** Relative search effort, > 0 (default 1). */
  readonly importance?: number;
  /** Optimizers keep the value as it is. */
  readonly frozen?: boolean;
  /** Scales mutation steps for this variable, in (0, 1]. */
  readonly mutationScale?: number;
  readonly tags?: readonly string[];
}

/** An extra rule on a variable's value; may read the rest of the configuration. */
export interface VariableConstraint {
  readonly message: string;
  readonly check: (value: unknown, configuration: Readonly<Record<string, unknown>>) => boolean;
}

/** Options every variable constructor takes besides its own. */
export interface VariableOptions {
  readonly description?: string;
  readonly constraints?: readonly VariableConstraint[];
  /** Variables a constraint reads; the condition's variable is added on its own. */
  readonly dependencies?: readonly string[];
  readonly hints?: OptimizationHints;
  /** The variable is active, and present in a valid configuration, only while this holds. */
  readonly condition?: Condition;
}

interface VariableCommon<K extends VariableKind, T> {
  readonly kind: K;
  readonly id: string;
  readonly description: string;
  readonly default: T;
  readonly constraints: readonly VariableConstraint[];
  /** Variables this one reads: a condition's variable, a composite's inputs, constraint inputs. */
  readonly dependencies: readonly string[];
  readonly hints: OptimizationHints;
  readonly condition?: Condition;
}

/** A number in a closed range, optionally rounded to a precision. Built by `float()`. */
export interface FloatVariable extends VariableCommon<'float', number> {
  readonly range: readonly [number, number];
  /** Decimal places kept; values are rounded to it. */
  readonly precision?: number;
  /** `log` samples evenly in log space (needs min > 0). */
  readonly distribution: 'uniform' | 'log';
}

/** An integer in a closed range, on a step grid. Built by `integer()`. */
export interface IntegerVariable extends VariableCommon<'integer', number> {
  readonly range: readonly [number, number];
  /** Valid values are `min + k * step`. */
  readonly step: number;
}

/** One value out of a list. Built by `choice()`. */
export interface ChoiceVariable<T extends ChoiceValue = ChoiceValue>
  extends VariableCommon<'choice', T> {
  readonly choices: readonly T[];
  /** Sampling weights, aligned with `choices`. */
  readonly weights?: readonly number[];
  /** Values outside `choices` (of the same primitive type) validate too. */
  readonly allowCustom: boolean;
}

/** An on/off switch. Built by `boolean()`. */
export interface BooleanVariable extends VariableCommon<'boolean', boolean> {}

/** A named implementation a module variable may choose. */
export interface ModuleImplementation {
  readonly name: string;
  readonly capabilities: readonly string[];
  readonly description?: string;
}

/** Chooses among named implementations; the value is the implementation's name. */
export interface ModuleVariable extends VariableCommon<'module', string> {
  readonly implementations: readonly ModuleImplementation[];
  /** Only implementations with all of these capabilities validate. */
  readonly requiredCapabilities: readonly string[];
}

/** An instruction or other text. Sampling draws from the default and `candidates`. */
export interface TextVariable extends VariableCommon<'text', string> {
  readonly minLength: number;
  readonly maxLength: number;
  readonly candidates: readonly string[];
}

/** Few-shot examples: a list of typed examples, at most `maxCount`. */
export interface DemosVariable<E extends JsonValue = JsonValue>
  extends VariableCommon<'demos', readonly E[]> {
  readonly maxCount: number;
  /** Each example must parse with it. */
  readonly schema?: z.ZodType<E>;
  /** Where sampling and mutation draw examples from. */
  readonly pool: readonly E[];
}

/** Computed from other variables; never set directly. `default` is unused and undefined. */
export interface CompositeVariable<T extends JsonValue = JsonValue>
  extends VariableCommon<'composite', undefined> {
  readonly compute: (values: Readonly<Record<string, unknown>>) => T;
}

/** Any variable a space may hold, told apart by `kind`. */
export type Variable =
  | FloatVariable
  | IntegerVariable
  | ChoiceVariable
  | BooleanVariable
  | ModuleVariable
  | TextVariable
  | DemosVariable
  | CompositeVariable;
