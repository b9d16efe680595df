import { describe, expect, it } from 'vitest';
import { scriptedLanguageModel } from '../test/scripted-language-model';
import { composeProgram } from './compose-program';
import { enableOrchestration, isOrchestrated } from './enable-orchestration';
import { functionProgram } from './function-program';
import { predict } from './predict';
import { routeBySelection } from './route-by-selection';
import { createTraceCollector } from './trace';

const coder = (language: string) =>
  functionProgram({
    name: language,
    signature: 'task -> code',
    run: ({ task }) => ({ code: `${language}: ${String(task)}` }),
  });

describe('enableOrchestration', () => {
  it('hands the followed values to forward, from the call or from bound values', async () => {
    const seen: unknown[] = [];
    const program = composeProgram({
      name: 'p',
      signature: 'x -> y',
      programs: { echo: coder('echo') },
      forward: async ({ x }, _parts, context) => {
        seen.push(context.orchestration);
        return { y: String(x) };
      },
    });
    const followed = enableOrchestration(program, ['rate', 'mode']);
    expect(isOrchestrated(followed)).toBe(true);
    expect(isOrchestrated(program)).toBe(false);
    expect(followed.followedVariables).toEqual(['rate', 'mode']);
    await followed.call({ x: '1' }, { orchestration: { rate: 0.5, other: 'kept' } });
    const bound = followed.withOrchestration({ mode: 'fast' });
    await bound.call({ x: '1' });
    await bound.call({ x: '1' }, { orchestration: { mode: 'slow' } });
    expect(seen).toEqual([{ rate: 0.5, other: 'kept' }, { mode: 'fast' }, { mode: 'slow' }]);
    expect(followed.orchestration).toEqual({});
  });

  it('reconfigures the program for the values with apply', async () => {
    const lm = scriptedLanguageModel(['{"answer":"a"}']);
    const qa = enableOrchestration(predict('question -> answer', { lm }), ['adaptation_rate'], {
      apply: (program, values) =>
        typeof values.adaptation_rate === 'number'
          ? program.withConfig({ temperature: values.adaptation_rate })
          : program,
    });
    await qa.call({ question: 'q' }, { orchestration: { adaptation_rate: 0.1 } });
    await qa.call({ question: 'q' });
    expect(lm.requests.map((r) => r.temperature)).toEqual([0.1, 0.7]);
    expect(qa.withConfig({ temperature: 0.3 }).configuration.temperature).toBe(0.3);
  });

  it('rejects bad variable lists', () => {
    const program = coder('py');
    expect(() => enableOrchestration(program, [])).toThrow(
      /orchestrationVariableIds: must name at least one/,
    );
    expect(() => enableOrchestration(program, ['a', 'a'])).toThrow(
      /orchestrationVariableIds\[1\]: repeats/,
    );
  });
});

describe('routeBySelection', () => {
  const router = routeBySelection({
    variable: 'coder',
    programs: { python_coder: coder('python'), rust_coder: coder('rust') },
  });

  it('lets an agent selection pick which program answers', async () => {
    expect(router.followedVariables).toEqual(['coder']);
    expect(
      await router.call({ task: 'sort' }, { orchestration: { coder: ['rust_coder'] } }),
    ).toEqual({ code: 'rust: sort' });
    expect(
      await router.call({ task: 'sort' }, { orchestration: { coder: ['ghost', 'python_coder'] } }),
    ).toEqual({
      code: 'python: sort',
    });
    expect(await router.call({ task: 'sort' }, { orchestration: { coder: 'rust_coder' } })).toEqual(
      { code: 'rust: sort' },
    );
    expect(await router.withOrchestration({ coder: ['rust_coder'] }).call({ task: 't' })).toEqual({
      code: 'rust: t',
    });
    expect(await router.call({ task: 'sort' })).toEqual({ code: 'python: sort' });
  });

  it('fails a selection of no candidate', async () => {
    await expect(
      router.call({ task: 't' }, { orchestration: { coder: ['ghost'] } }),
    ).rejects.toMatchObject({
      code: 'ORCHESTRATION_NO_SELECTION',
      variableId: 'coder',
    });
  });

  it('carries the candidates variables and traces under their ids', async () => {
    const lm = scriptedLanguageModel(['{"code":"fn main() {}"}']);
    const routed = routeBySelection({
      variable: 'coder',
      programs: {
        python_coder: predict('task -> code', { lm }),
        rust_coder: predict('task -> code', { lm }),
      },
    });
    expect(routed.predictors).toEqual(['python_coder', 'rust_coder']);
    expect(routed.configuration['rust_coder.temperature']).toBe(0.7);
    const traces = createTraceCollector();
    await routed
      .withConfig({ 'rust_coder.temperature': 0.2 })
      .call({ task: 't' }, { orchestration: { coder: ['rust_coder'] }, trace: traces });
    expect(traces.traces().map((t) => t.predictor)).toEqual(['rust_coder']);
    expect(lm.requests[0]?.temperature).toBe(0.2);
  });
});
