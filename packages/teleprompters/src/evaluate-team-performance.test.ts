import { createManualClock, VarplaneError } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import {
  exactMatch,
  syntheticExamples,
  syntheticRunner,
  syntheticTeam,
} from '../test/synthetic-team';
import { applyTeamConfig } from './apply-team-config';
import { evaluateTeamPerformance } from './evaluate-team-performance';

const examples = syntheticExamples(30);
// Mathematician and writer, each at its sweet spot: math and writing answered well, code not.
const team = () =>
  applyTeamConfig(syntheticTeam(), {
    'team.active': ['mathematician', 'writer'],
    'mathematician.temperature': 0.2,
    'writer.temperature': 0.8,
  });

describe('evaluateTeamPerformance', () => {
  it("measures the card's team performance result", async () => {
    const report = await evaluateTeamPerformance(team(), examples, exactMatch, {
      runner: syntheticRunner(),
      clock: createManualClock(),
      seed: 2,
    });
    expect(report.overallScore).toBeCloseTo(0.5667, 3);
    // Each specialist carries a third of the tasks; the coder is not selected and earns nothing.
    expect(report.individualScores.mathematician).toBeCloseTo(0.3, 3);
    expect(report.individualScores.writer).toBeCloseTo(0.2, 3);
    expect(report.individualScores.coder).toBe(0);
    expect(report.agentActivations).toEqual({ mathematician: 30, writer: 30 });
    expect(report.resourceUtilization).toBeCloseTo(2 / 3, 5);
    expect(report.coordinationEfficiency).toBe(1);
    expect(report.communicationOverhead).toBeCloseTo(0.5, 5);
    // With one of two agents down, about half of the score remains.
    expect(report.faultToleranceScore).toBeGreaterThan(0.3);
    expect(report.faultToleranceScore).toBeLessThan(0.7);
    expect(report.adaptationSpeed).toBe(1);
    expect(report.memoryUsage).toBe(2048);
    expect(report.executionTime).toBe(0);
    expect(report.complete).toBe(true);
    // The main pass, two ablations (the coder needs none), two fault passes.
    expect(report.usage.metricCalls).toBe(30 * 5);
  });

  it('says the team does not answer when its only agent fails', async () => {
    const report = await evaluateTeamPerformance(syntheticTeam(), examples, exactMatch, {
      runner: syntheticRunner(),
      ablation: false,
    });
    expect(report.faultToleranceScore).toBe(0);
    expect(report.adaptationSpeed).toBe(0);
    expect(report.failures).toBe(30);
  });

  it('stops at the budget and says the measurement is partial', async () => {
    const runner = syntheticRunner();
    const report = await evaluateTeamPerformance(team(), examples, exactMatch, {
      runner,
      budget: { maxMetricCalls: 40 },
    });
    expect(runner.calls).toBe(40);
    expect(report.usage.metricCalls).toBe(40);
    expect(report.complete).toBe(false);
  });

  it('throws typed errors for no examples and a bad runner', async () => {
    await expect(
      evaluateTeamPerformance(team(), [], exactMatch, { runner: syntheticRunner() }),
    ).rejects.toSatisfy((error) => VarplaneError.isInstance(error, 'TRAINSET_EMPTY'));
    await expect(
      evaluateTeamPerformance(team(), examples, exactMatch, { runner: {} as never }),
    ).rejects.toThrow(/options\.runner/);
  });
});
