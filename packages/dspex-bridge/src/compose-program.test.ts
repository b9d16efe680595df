import { describe, expect, it } from 'vitest';
import { scriptedLanguageModel } from '../test/scripted-language-model';
import { chainOfThought } from './chain-of-thought';
import { composeProgram } from './compose-program';
import { functionProgram } from './function-program';
import { predict } from './predict';
import { createTraceCollector } from './trace';

function rag(
  lm = scriptedLanguageModel([
    '{"query":"capital france"}',
    '{"reasoning":"The passage says Paris.","answer":"Paris"}',
  ]),
) {
  const search = functionProgram({
    name: 'search',
    signature: 'query -> passages: string[]',
    run: ({ query }) => ({ passages: [`${String(query)}: Paris is the capital of France.`] }),
  });
  const program = composeProgram({
    name: 'rag',
    signature: 'question -> answer',
    programs: {
      rewrite: predict('question -> query', { lm }),
      search,
      answer: chainOfThought('question, passages: string[] -> answer', { lm }),
    },
    forward: async ({ question }, { rewrite, search: find, answer }) => {
      const { query } = await rewrite({ question });
      const { passages } = await find({ query });
      const { answer: text } = await answer({ question, passages });
      return { answer: text };
    },
  });
  return { program, lm };
}

describe('composeProgram', () => {
  it('runs its parts and validates the whole', async () => {
    const { program, lm } = rag();
    expect(await program.call({ question: 'What is the capital of France?' })).toEqual({
      answer: 'Paris',
    });
    expect(lm.requests).toHaveLength(2);
    expect(lm.requests[1]?.messages.at(-1)?.content).toContain(
      '[[ ## passages ## ]]\n["capital france: Paris is the capital of France."]',
    );
  });

  it('exposes its parts variables under their names and configures each part', async () => {
    const { program, lm } = rag();
    expect(program.kind).toBe('composite');
    expect(program.predictors).toEqual(['rewrite', 'answer']);
    const ids = program.variables.variables.map((v) => v.id);
    expect(ids).toContain('rewrite.temperature');
    expect(ids).toContain('answer.demos');
    expect(ids.some((id) => id.startsWith('search.'))).toBe(false);
    expect(program.configuration['answer.temperature']).toBe(0.7);
    const tuned = program.withConfig({ 'answer.temperature': 0.1, 'rewrite.maxTokens': 64 });
    expect(tuned.configuration['answer.temperature']).toBe(0.1);
    expect(program.configuration['answer.temperature']).toBe(0.7);
    await tuned.call({ question: 'q' });
    expect(lm.requests.map((r) => [r.temperature, r.maxTokens])).toEqual([
      [0.7, 64],
      [0.1, 1024],
    ]);
    expect(() => program.withConfig({ 'answer.temperature': -1 })).toThrow(/answer\.temperature/);
  });

  it('numbers the steps of a run and names each predictor in its traces', async () => {
    const { program } = rag();
    const traces = createTraceCollector();
    await program.call({ question: 'q' }, { trace: traces, runId: 'run-1', agentId: 'researcher' });
    expect(traces.traces().map((t) => [t.predictor, t.step, t.runId, t.agentId])).toEqual([
      ['rewrite', 1, 'run-1', 'researcher'],
      ['answer', 2, 'run-1', 'researcher'],
    ]);
    expect(traces.forPredictor('answer')[0]?.output).toEqual({
      reasoning: 'The passage says Paris.',
      answer: 'Paris',
    });
  });

  it('nests composed programs with dotted paths', async () => {
    const lm = scriptedLanguageModel(['{"query":"x"}', '{"reasoning":"r","answer":"a"}']);
    const inner = rag(lm).program;
    const outer = composeProgram({
      name: 'outer',
      signature: 'question -> answer',
      programs: { inner },
      forward: (inputs, { inner: run }) => run(inputs),
    });
    expect(outer.predictors).toEqual(['inner.rewrite', 'inner.answer']);
    expect(outer.configuration['inner.answer.temperature']).toBe(0.7);
    const traces = createTraceCollector();
    await outer
      .withConfig({ 'inner.answer.temperature': 0.2 })
      .call({ question: 'q' }, { trace: traces });
    expect(traces.traces().map((t) => t.predictor)).toEqual(['inner.rewrite', 'inner.answer']);
    expect(lm.requests[1]?.temperature).toBe(0.2);
  });

  it('hands forward the orchestration values and rejects outputs that do not match', async () => {
    const echo = functionProgram({ name: 'echo', signature: 'x -> y', run: ({ x }) => ({ y: x }) });
    const seen: unknown[] = [];
    const program = composeProgram({
      name: 'bad',
      signature: 'x -> z: number',
      programs: { echo },
      forward: async (inputs, { echo: run }, context) => {
        seen.push(context.orchestration);
        return (await run(inputs)) as never;
      },
    });
    const error = await program
      .call({ x: 'hi' }, { orchestration: { coder: ['py'] } })
      .catch((e: unknown) => e);
    expect(seen).toEqual([{ coder: ['py'] }]);
    expect(error).toMatchObject({ code: 'OUTPUT_INVALID', rawText: '{"y":"hi"}' });
    await expect(program.call({} as never)).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });

  it('validates its definition', () => {
    const part = predict('a -> b');
    const forward = async () => ({ b: '' });
    expect(() => composeProgram({ name: 'x', signature: 'a -> b', programs: {}, forward })).toThrow(
      /programs/,
    );
    expect(() =>
      composeProgram({ name: 'x', signature: 'a -> b', programs: { 'a.b': part }, forward }),
    ).toThrow(/programs\.a\.b/);
    expect(() =>
      composeProgram({ name: '', signature: 'a -> b', programs: { part }, forward }),
    ).toThrow(/name/);
  });
});
