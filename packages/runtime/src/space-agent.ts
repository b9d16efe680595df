import type {
  AgentConfig,
  AgentDirective,
  FaultRecoveryAction,
  FaultRecoveryConfig,
  JsonValue,
} from '@varplane/core';
import type { AnyBehaviour } from './behaviour';
import type { ChildSpec } from './child-spec';
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
  return recovery.perAgent[agentId] ?? recovery.defaultAction;
}

/**
 * The supervisor decider for an agent under the space's fault-recovery config:
 * `restart` uses the default rules (rate limits back off, bad input resumes, an exhausted budget
 * stops), `ignore` resumes on anything but an exhausted budget, `escalate` fails the space's
 * supervisor, and `replace` and `degrade` stop the agent so the space can route around it.
 */
export function recoveryDecider(recovery: FaultRecoveryConfig, agentId: string): Decider {
  switch (recoveryAction(recovery, agentId)) {
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
    decide: recoveryDecider(recovery, config.id),
    options: {
      cpuWeight: resources.cpuWeight,
      networkPriority: resources.networkPriority,
      resources: needs,
      countSent: true,
    },
  };
}
