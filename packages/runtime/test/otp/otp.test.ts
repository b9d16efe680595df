import { describe, expect, it } from 'vitest';
import fixture from './fixtures.json';
import { type Event, replay } from './replay';
import { scenarios } from './scenarios';

/**
 * varplane against Erlang/OTP: each scenario's trace, recorded on OTP 25 by `otp-fixtures.ts`,
 * must be what varplane does, event for event (events of a step marked `unordered`, such as
 * children stopping together, are compared as a multiset).
 */
const traces = new Map(fixture.traces.map((t) => [t.name, t]));

const sorted = (events: Event[]) => events.map((e) => e.join('/')).sort();

describe('supervision matches Erlang/OTP', () => {
  it(`has a fixture for each of the ${scenarios.length} scenarios`, () => {
    expect(fixture.otp).toBe('25');
    expect(scenarios.length).toBeGreaterThanOrEqual(25);
    expect(scenarios.map((s) => s.name).filter((name) => !traces.has(name))).toEqual([]);
  });

  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const otp = traces.get(scenario.name);
      if (otp === undefined) throw new Error(`no OTP trace for ${scenario.name}`);
      const ours = await replay(scenario);
      const steps = ours.steps;
      expect(steps.length).toBe(otp.steps.length);
      for (const [i, events] of steps.entries()) {
        const unordered = i === 0 ? scenario.unordered_start : scenario.steps[i - 1]?.unordered;
        const expected = otp.steps[i] as Event[];
        if (unordered === true) expect(sorted(events), `step ${i}`).toEqual(sorted(expected));
        else expect(events, `step ${i}`).toEqual(expected);
      }
      expect(ours.final).toEqual(otp.final);
    });
  }
});
