import { constrainValue } from '@varplane/coordination';
import type { NegotiationStrategy } from '@varplane/core';

export function createNashBargaining(): NegotiationStrategy {
  return {
    kind: 'negotiation',
    name: 'nash_bargaining', // lower case, digits and _ . : -
    specificationVersion: 'v1',
    negotiate(request, context) {
      // request: { variableId, preferences: [{ agent, value, weight, utility? }], constraints }
      // context: { random, clock, signal, agents? }: use them for anything random or timed
      context.signal?.throwIfAborted();
      const wants = request.preferences.map((p) => ({ at: Number(p.value), weight: p.weight }));
      const spots = wants.map((w) => w.at);
      const span = Math.max(...spots) - Math.min(...spots) || 1;
      // Each agent's utility falls with the distance from its wish; the product is weighted.
      const nash = (x: number) =>
        wants.reduce((sum, w) => sum + w.weight * Math.log(1.01 - Math.abs(x - w.at) / span), 0);
      const best = spots.reduce((a, b) => (nash(b) > nash(a) ? b : a));
      return {
        value: constrainValue(best, request.constraints, request.variableId),
        rationale: 'the best weighted Nash product',
      };
    },
  };
}
