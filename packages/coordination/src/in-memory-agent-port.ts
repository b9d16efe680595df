import { type AgentPort, type AgentQuestion, VarplaneError } from '@varplane/core';
import { describeValue } from '@varplane/core/internal';

/** How an in-memory agent answers a question; a promise that never settles is silence. */
export type AgentHandler = (question: AgentQuestion) => unknown;

/** An {@link AgentPort} over plain functions, that remembers every question. */
export interface InMemoryAgentPort extends AgentPort {
  /** Every question asked, in order. */
  readonly asked: readonly { agent: string; question: AgentQuestion }[];
}

/**
 * An agent port whose agents are functions, for testing strategies that ask live agents without a
 * running space. Asking an agent it does not know rejects with `AGENT_UNKNOWN`.
 *
 * @example
 * const agents = createInMemoryAgentPort({ a: () => 10, b: (q) => (q.type === 'bid' ? 7 : true) });
 * await negotiateValue('gpu', prefs, { strategy: 'vickrey', agents });
 */
export function createInMemoryAgentPort(
  handlers: Readonly<Record<string, AgentHandler>>,
): InMemoryAgentPort {
  const asked: { agent: string; question: AgentQuestion }[] = [];
  return {
    asked,
    async ask(agent, question) {
      asked.push({ agent, question });
      const handler = handlers[agent];
      if (handler === undefined) {
        throw new VarplaneError({
          code: 'AGENT_UNKNOWN',
          message: `no agent ${describeValue(agent)}`,
        });
      }
      return handler(question);
    },
  };
}
