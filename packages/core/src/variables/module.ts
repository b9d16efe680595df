import { z } from 'zod';
import {
  commonFields,
  commonOptionShape,
  definitionError,
  findDuplicate,
  freezeVariable,
  parseVariableOptions,
  variableSubject,
} from '../internal/define-variable';
import type { ModuleImplementation, ModuleVariable, VariableOptions } from '../variable';

/** Options of {@link module}. */
export interface ModuleOptions extends VariableOptions {
  readonly implementations: readonly ModuleImplementation[];
  /** Only implementations holding every one of these validate and get sampled. */
  readonly requiredCapabilities?: readonly string[];
  /** Default: the first eligible implementation. */
  readonly default?: string;
}

const moduleSchema = z.strictObject({
  ...commonOptionShape,
  implementations: z.array(
    z.strictObject({
      name: z.string().min(1, 'must be a non-empty string'),
      capabilities: z.array(z.string()),
      description: z.string().optional(),
    }),
  ),
  requiredCapabilities: z.array(z.string()).optional(),
  default: z.string().optional(),
});

/** Whether an implementation holds every required capability. */
export function isEligibleImplementation(
  implementation: ModuleImplementation,
  requiredCapabilities: readonly string[],
): boolean {
  return requiredCapabilities.every((capability) =>
    implementation.capabilities.includes(capability),
  );
}

/**
 * Chooses one implementation by name, among those with the required capabilities: a retriever, a
 * planner, a memory backend.
 *
 * @example
 * const retriever = module('retriever', {
 *   implementations: [
 *     { name: 'bm25', capabilities: ['search'] },
 *     { name: 'dense', capabilities: ['search', 'semantic'] },
 *   ],
 *   requiredCapabilities: ['search'],
 * });
 */
export function module(id: string, options: ModuleOptions): ModuleVariable {
  const subject = variableSubject('module', id);
  const parsed = parseVariableOptions(moduleSchema, options, subject);
  const implementations = parsed.implementations.map((implementation) => {
    const out: { -readonly [K in keyof ModuleImplementation]: ModuleImplementation[K] } = {
      name: implementation.name,
      capabilities: implementation.capabilities,
    };
    if (implementation.description !== undefined) out.description = implementation.description;
    return out;
  });
  const names = implementations.map((implementation) => implementation.name);
  if (implementations.length === 0) {
    throw definitionError(
      'VARIABLE_EMPTY_CHOICES',
      subject,
      'implementations',
      'implementations must not be empty',
      parsed.implementations,
    );
  }
  const duplicate = findDuplicate(names);
  if (duplicate !== undefined) {
    throw definitionError(
      'VARIABLE_DUPLICATE_CHOICE',
      subject,
      `implementations[${duplicate.index}].name`,
      `implementation name ${JSON.stringify(duplicate.value)} appears more than once`,
      names,
    );
  }
  const required = parsed.requiredCapabilities ?? [];
  const eligible = implementations.filter((implementation) =>
    isEligibleImplementation(implementation, required),
  );
  if (eligible.length === 0) {
    throw definitionError(
      'VARIABLE_EMPTY_CHOICES',
      subject,
      'requiredCapabilities',
      `no implementation has every required capability ${JSON.stringify(required)}`,
      required,
    );
  }
  const value = parsed.default ?? (eligible[0]?.name as string);
  if (!eligible.some((implementation) => implementation.name === value)) {
    const known = names.includes(value);
    throw definitionError(
      'VARIABLE_DEFAULT_INVALID',
      subject,
      'default',
      known
        ? `default implementation ${JSON.stringify(value)} lacks a required capability of ${JSON.stringify(required)}`
        : `default ${JSON.stringify(value)} is not one of the implementations ${JSON.stringify(names)}`,
      value,
    );
  }
  return freezeVariable({
    kind: 'module',
    ...commonFields(id, parsed),
    default: value,
    implementations,
    requiredCapabilities: required,
  });
}
