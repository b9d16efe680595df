import {
  type AgentConfig,
  type AgentDirective,
  agentConfigSchema,
  agentIdSchema,
  type FaultRecoveryAction,
  type FaultRecoveryConfig,
  faultRecoveryConfigSchema,
  InvalidArgumentError,
  type JsonValue,
} from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { type AnyBehaviour, checkBehaviour } from './behaviour';
import type { ChildSpec } from './child-spec';
import { parseOrThrow } from './internal/parse';
import { type Decider, defaultDecider } from './restart-decisions';

/**
 * What a space agent's `init` receives: its id (an instance of a scaled agent has its own), the
 * agent's config from the space (role, resources, local configuration...) and the config's `args`.
 */
export interface SpaceAgentArgs {
  agentId: string;
  config: AgentConfig;
  args: unknown;
  /** The current values of the orchestration variables the agent `follows`, by variable id. */
  orchestration?: Readonly<Record<string, JsonValue>>;
}

/**
 * What an agent that `follows` orchestration variables receives whenever their values change
 * (after a coordination, `setVariable`, an adaptation, a failover or a rollback).
 */
export interface OrchestrationMessage {
  readonly type: 'orchestration';
  readonly values: Readonly<Record<string, JsonValue>>;
}

/**
 * A directive the running space hands to an agent after applying what the runtime itself can
 * (`adjustParameters`, `changeRole`, `updateCommunication`). Behaviours that do not care ignore it.
 */
export interface DirectiveMessage {
  readonly type: 'directive';
  readonly directive: AgentDirective;
}

/** The fault-recovery action the space takes for `agentId`. */
export function recoveryAction(
  recovery: FaultRecoveryConfig,
  agentId: string,
): FaultRecoveryAction {
  return actionOf(checkRecovery('recoveryAction', recovery, agentId), agentId);
}

/** {@link recoveryAction} of a config the space already validated. */
export function actionOf(recovery: FaultRecoveryConfig, agentId: string): FaultRecoveryAction {
  // Own keys only: an agent called `constructor` has no action on Object.prototype.
  return Object.hasOwn(recovery.perAgent, agentId)
    ? (recovery.perAgent[agentId] as FaultRecoveryAction)
    : recovery.defaultAction;
}

function checkRecovery(
  operation: string,
  recovery: unknown,
  agentId: unknown,
): FaultRecoveryConfig {
  if (typeof agentId !== 'string') {
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: `${operation}: agentId must be a string (got ${describeValue(agentId)})`,
      issues: [{ path: 'agentId', message: 'must be a string', value: agentId }],
    });
  }
  return parseOrThrow(faultRecoveryConfigSchema, recovery, {
    code: 'INVALID_ARGUMENT',
    subject: operation,
    prefix: 'recovery',
  });
}

/**
 * The supervisor decider for an agent under the space's fault-recovery config:
 * `restart` uses the default rules (rate limits back off, bad input resumes, an exhausted budget
 * stops), `ignore` resumes on anything but an exhausted budget, `escalate` fails the space's
 * supervisor, and `replace` and `degrade` stop the agent so the space can route around it.
 */
export function recoveryDecider(recovery: FaultRecoveryConfig, agentId: string): Decider {
  return deciderOf(checkRecovery('recoveryDecider', recovery, agentId), agentId);
}

/** {@link recoveryDecider} of a config the space already validated. */
export function deciderOf(recovery: FaultRecoveryConfig, agentId: string): Decider {
  switch (actionOf(recovery, agentId)) {
    case 'restart':
      return defaultDecider;
    case 'ignore':
      return (error, id) => (defaultDecider(error, id) === 'stop' ? 'stop' : 'resume');
    case 'escalate':
      return () => 'escalate';
    case 'replace':
    case 'degrade':
      return () => 'stop';
  }
}

/** The child spec that runs `config` (or one instance of it) under the space's supervisor. */
export function agentChildSpec(
  config: AgentConfig,
  behaviour: AnyBehaviour,
  recovery: FaultRecoveryConfig,
  instanceId?: string,
): ChildSpec {
  const subject = 'agentChildSpec';
  const parsed = parseOrThrow(agentConfigSchema, config, {
    code: 'INVALID_ARGUMENT',
    subject,
    prefix: 'config',
  });
  checkBehaviour(behaviour, `${subject}: behaviour`);
  const checked = checkRecovery(subject, recovery, parsed.id);
  if (instanceId !== undefined) {
    parseOrThrow(agentIdSchema, instanceId, {
      code: 'INVALID_ARGUMENT',
      subject,
      prefix: 'instanceId',
    });
  }
  return childSpecOf(parsed, behaviour, checked, instanceId);
}

/** {@link agentChildSpec} of parts the space already validated. */
export function childSpecOf(
  config: AgentConfig,
  behaviour: AnyBehaviour,
  recovery: FaultRecoveryConfig,
  instanceId: string = config.id,
): ChildSpec {
  const resources = config.resources;
  const needs: NonNullable<NonNullable<ChildSpec['options']>['resources']> = {
    memory: resources.memory,
    cpu: resources.cpuWeight,
    concurrency: resources.concurrency,
  };
  if (resources.tokens !== undefined) needs.tokens = resources.tokens;
  if (resources.cost !== undefined) needs.cost = resources.cost;
  const args: SpaceAgentArgs = { agentId: instanceId, config, args: config.args };
  return {
    id: instanceId,
    behaviour,
    args,
    restart: config.supervision.restart,
    shutdown: config.supervision.shutdown,
    decide: deciderOf(recovery, config.id),
    options: {
      cpuWeight: resources.cpuWeight,
      networkPriority: resources.networkPriority,
      resources: needs,
      countSent: true,
    },
  };
}
