import { context } from '@opentelemetry/api';
import { createManualClock, createMultiAgentSpace, VarplaneError } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createHandDrivenSpace } from '../test/hand-driven-space';
import { aggregate, createAggregator, quantileLabel, seriesOf } from './aggregation';
import { formatAlert } from './alert-actions';
import { levelFor, stepAlert } from './alert-rule';
import { createDashboard } from './dashboard';
import { AlertActionError, MonitorStoppedError, ServerStartError } from './errors';
import {
  activeAgent,
  instrumentLanguageModel,
  traceAgentTurn,
  traceBehaviour,
} from './genai-tracing';
import { generateInsights } from './insights';
import { collectMetrics, startMonitoring } from './monitor';
import { createOtelMetrics } from './otel-metrics';
import { computePerformance } from './performance';
import { createPrometheusExporter } from './prometheus-exporter';
import { createQuantileSketch } from './quantile-sketch';

// Every trap throws: reading anything of it fails.
const hostile = () =>
  new Proxy(
    {},
    {
      get: () => {
        throw new Error('trap');
      },
      has: () => {
        throw new Error('trap');
      },
      ownKeys: () => {
        throw new Error('trap');
      },
      getPrototypeOf: () => {
        throw new Error('trap');
      },
      getOwnPropertyDescriptor: () => {
        throw new Error('trap');
      },
    },
  );
const getters = () =>
  Object.defineProperties(
    {},
    {
      message: {
        get: () => {
          throw new Error('getter');
        },
        enumerable: true,
      },
      level: {
        get: () => {
          throw new Error('getter');
        },
        enumerable: true,
      },
    },
  );

// A thenable whose `then` throws, as a hostile caller might pass for options.
const thenable = () =>
  Object.defineProperty({}, 'then', {
    value: () => {
      throw new Error('x');
    },
  });

const typed = (path: string) =>
  expect.objectContaining({
    code: 'TELEMETRY_INVALID_OPTIONS',
    message: expect.stringContaining(path),
  });

describe('every telemetry entry point refuses bad input with a typed error', () => {
  it('makes its errors whatever their constructors are given', () => {
    const a = new AlertActionError(1e308 as never, getters() as never);
    expect([a.code, a.action]).toEqual(['ALERT_ACTION_FAILED', '1e+308']);
    expect(VarplaneError.isInstance(a)).toBe(true);
    expect(new MonitorStoppedError(hostile() as never).message).toMatch(/the monitor is stopped$/);
    expect(new ServerStartError(getters() as never).code).toBe('SERVER_START_FAILED');
  });

  it("refuses malformed helpers' arguments, naming the argument", () => {
    expect(() => quantileLabel(hostile() as never)).toThrow(typed('quantileLabel'));
    expect(() => quantileLabel(2)).toThrow(typed('quantileLabel'));
    expect(quantileLabel(0.999)).toBe('p99.9');
    expect(() => seriesOf(-1 as never, hostile() as never)).toThrow(typed('seriesOf: metric'));
    expect(() => createAggregator(Symbol('m') as never, 'sum')).toThrow(
      typed('createAggregator: metric'),
    );
    expect(() => aggregate('m', hostile() as never, 'sum')).toThrow(typed('aggregate: samples'));
    expect(aggregate('m', [1, 2, 3], 'sum')).toEqual({ m: 6 });
    expect(() => levelFor(1, new Array(10).fill(0) as never)).toThrow(typed('levelFor: rule'));
    expect(() => stepAlert('constructor' as never, 1, {} as never, 0)).toThrow(
      typed('stepAlert: state'),
    );
    expect(() => formatAlert(getters() as never)).toThrow(typed('formatAlert: alert'));
    expect(() => createQuantileSketch().merge(true as never)).toThrow(typed('merge: other'));
    expect(() => computePerformance(Number.NaN as never)).toThrow(
      typed('computePerformance: input'),
    );
    expect(() => generateInsights('__proto__' as never)).toThrow(
      typed('generateInsights: metrics'),
    );
    expect(() => generateInsights(undefined as never)).toThrow(typed('generateInsights: metrics'));
    expect(generateInsights([])).toEqual([]);
  });

  it('refuses what is not a monitor, a running space, a model, a context or a behaviour', async () => {
    expect(() => collectMetrics(undefined as never)).toThrow(typed('collectMetrics: monitor'));
    expect(() => collectMetrics({ constructor: {} } as never)).toThrow(typed('collectMetrics'));
    await expect(createDashboard(hostile() as never)).rejects.toThrow(
      typed('createDashboard: monitor'),
    );
    await expect(createPrometheusExporter(hostile() as never)).rejects.toThrow(
      typed('createPrometheusExporter: monitor'),
    );
    expect(() => createOtelMetrics([null, true] as never)).toThrow(
      typed('createOtelMetrics: monitor'),
    );
    expect(() => startMonitoring(hostile() as never)).toThrow(typed('runningSpace'));
    expect(() => instrumentLanguageModel(null as never)).toThrow(
      typed('instrumentLanguageModel: model'),
    );
    expect(() => activeAgent((() => Promise.reject(new Error('x'))) as never)).toThrow(
      typed('activeAgent: ctx'),
    );
    expect(activeAgent(context.active())).toBeUndefined();
    expect(() => traceAgentTurn(thenable() as never, () => new Promise(() => {}))).toThrow(
      typed('traceAgentTurn'),
    );
    expect(() => traceAgentTurn(JSON.parse('{"__proto__": {"agent": "x"}}'), () => 1)).toThrow(
      typed('traceAgentTurn'),
    );
    expect(traceAgentTurn({ agent: 'a' }, () => 7)).toBe(7);
    expect(() => traceBehaviour(hostile() as never)).toThrow(typed('traceBehaviour: behaviour'));
    // An instrumented model refuses what is not a request, and does not call the model with it.
    let called = 0;
    const lm = instrumentLanguageModel({
      specificationVersion: 'v1',
      provider: 'p',
      modelId: 'm',
      generate: async () => {
        called += 1;
        return {
          text: 'ok',
          finishReason: 'stop',
          usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
          modelId: 'm',
        };
      },
    });
    await expect(lm.generate(undefined as never)).rejects.toThrow(typed('m.generate: request'));
    await expect(lm.generate({ messages: [] })).rejects.toThrow(typed('messages'));
    expect(called).toBe(0);
    expect((await lm.generate({ messages: [{ role: 'user', content: 'hi' }] })).text).toBe('ok');
    expect(called).toBe(1);
    // A real monitor still works, and its query refuses null.
    const monitor = startMonitoring(createHandDrivenSpace(createMultiAgentSpace({ id: 's' })), {
      clock: createManualClock(),
      log: () => {},
    });
    expect(collectMetrics(monitor).aggregatePerformance).toBe(0);
    expect(() => monitor.query(null as never)).toThrow(
      expect.objectContaining({ code: 'TELEMETRY_INVALID_OPTIONS' }),
    );
    monitor.stop();
  });
});
