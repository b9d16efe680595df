import { describe, expect, it } from 'vitest';
import { createRunLog, type RunLogCall, type RunLogTrace } from './run-log';

const trace = (over: Partial<RunLogTrace> = {}): RunLogTrace => ({
  agentId: 'coder',
  runId: 'r1',
  step: 1,
  input: { task: 't' },
  output: { answer: 'a' },
  configuration: {},
  startedAt: 100,
  endedAt: 200,
  ...over,
});
const call = (over: Partial<RunLogCall> = {}): RunLogCall => ({
  agent: 'coder',
  provider: 'p',
  model: 'm',
  startedAt: 120,
  endedAt: 180,
  prompt: [{ role: 'user', content: 'hello' }],
  reply: 'hi',
  usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 },
  ...over,
});

describe('createRunLog', () => {
  it('gives a turn the calls of its agent inside its time span, and keeps the others waiting', () => {
    const log = createRunLog();
    log.recordCall(call());
    log.recordCall(call({ agent: 'planner' }));
    log.recordCall(call({ startedAt: 250, endedAt: 260 }));
    log.record(trace());
    const run = log.run('r1');
    expect(run?.turns.map((t) => t.calls.map((c) => [c.agent, c.startedAt]))).toEqual([
      [['coder', 120]],
    ]);
    expect(log.pendingCalls().map((c) => [c.agent, c.startedAt])).toEqual([
      ['planner', 120],
      ['coder', 250],
    ]);
    expect(log.runs()).toEqual([
      {
        runId: 'r1',
        startedAt: 100,
        endedAt: 200,
        agents: ['coder'],
        turns: 1,
        calls: 1,
        tokens: 5,
        cost: 0,
        errors: 0,
      },
    ]);
  });

  it('gives a call that names its run to a turn of that run only, when one agent works in two runs at once', () => {
    const log = createRunLog();
    // r1 and r2 overlap in time, with the same agent: only the runId tells their calls apart.
    log.recordCall(call({ runId: 'r2', startedAt: 130, endedAt: 140, reply: 'for r2' }));
    log.recordCall(call({ runId: 'r1', startedAt: 150, endedAt: 160, reply: 'for r1' }));
    log.record(trace({ runId: 'r1' }));
    expect(log.run('r1')?.turns[0]?.calls.map((c) => [c.runId, c.reply])).toEqual([
      ['r1', 'for r1'],
    ]);
    expect(log.pendingCalls().map((c) => c.reply)).toEqual(['for r2']);
    log.record(trace({ runId: 'r2', startedAt: 110, endedAt: 190 }));
    expect(log.run('r2')?.turns[0]?.calls.map((c) => c.reply)).toEqual(['for r2']);
    expect(log.pendingCalls()).toEqual([]);
    expect(() => log.recordCall(call({ runId: '' }))).toThrow(/runId/);
  });

  it('keeps the newest maxRuns runs, cuts long texts and counts a failed turn once', () => {
    const log = createRunLog({ maxRuns: 2, maxTextChars: 16 });
    log.recordCall(
      call({ reply: 'x'.repeat(40), error: { code: 'LM_HTTP_ERROR', message: 'boom' } }),
    );
    log.record(trace({ runId: 'a', error: { code: 'LM_HTTP_ERROR', message: 'boom' } }));
    log.record(trace({ runId: 'b' }));
    log.record(trace({ runId: 'c' }));
    expect(log.runs().map((r) => r.runId)).toEqual(['c', 'b']);
    expect(log.run('a')).toBeUndefined();
    const again = createRunLog({ maxTextChars: 16 });
    again.recordCall(call({ reply: 'x'.repeat(40), error: { code: 'E', message: 'boom' } }));
    again.record(trace({ error: { code: 'E', message: 'boom' } }));
    expect(again.runs()[0]?.errors).toBe(1);
    expect(again.run('r1')?.turns[0]?.calls[0]?.reply).toBe(
      `${'x'.repeat(16)}… (24 more characters)`,
    );
  });

  it('takes run and agent ids such as __proto__ as ordinary ids', () => {
    const log = createRunLog();
    log.record(trace({ runId: '__proto__', agentId: 'constructor' }));
    expect(log.run('__proto__')?.agents).toEqual(['constructor']);
    expect(log.run('toString')).toBeUndefined();
    expect(({} as Record<string, unknown>).agents).toBeUndefined();
  });

  it('refuses malformed traces, calls and options with typed errors naming the field', () => {
    const log = createRunLog();
    expect(() => log.record(trace({ startedAt: Number.NaN }))).toThrow(
      expect.objectContaining({
        code: 'TELEMETRY_INVALID_OPTIONS',
        message: expect.stringContaining('startedAt'),
      }),
    );
    expect(() => log.record(trace({ startedAt: 300 }))).toThrow(
      /endedAt must not be before startedAt/,
    );
    expect(() => log.record(null as never)).toThrow(
      expect.objectContaining({ code: 'TELEMETRY_INVALID_OPTIONS' }),
    );
    expect(() => log.recordCall(call({ prompt: 'hello' as never }))).toThrow(
      /runLog.recordCall: prompt/,
    );
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
        ownKeys() {
          throw new Error('trap');
        },
      },
    );
    expect(() => log.record(hostile as never)).toThrow(
      expect.objectContaining({ code: 'TELEMETRY_INVALID_OPTIONS' }),
    );
    expect(() => createRunLog({ maxRuns: 0 })).toThrow(/createRunLog: maxRuns/);
    expect(() => createRunLog({ size: 3 } as never)).toThrow(
      expect.objectContaining({ code: 'TELEMETRY_INVALID_OPTIONS' }),
    );
    expect(log.runs()).toEqual([]);
  });

  it('reports its version on changes$', () => {
    const log = createRunLog();
    const seen: number[] = [];
    log.changes$.subscribe((v) => seen.push(v));
    log.recordCall(call());
    log.record(trace());
    expect(seen).toEqual([1, 2]);
    expect(log.version).toBe(2);
  });
});
