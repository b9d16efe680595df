import { describe, expect, it } from 'vitest';
import { scriptedLanguageModel } from '../test/scripted-language-model';
import { predict } from './predict';
import { createTraceCollector, demosFromTraces, demosVariableId } from './trace';

describe('traces to demos', () => {
  it('turns good traces of a predictor into demos that configure it', async () => {
    const lm = scriptedLanguageModel(['{"answer":"4"}', 'broken', 'broken', '{"answer":"9"}']);
    const qa = predict('question -> answer', { lm, parseRetries: 1 });
    const traces = createTraceCollector();
    await qa.call({ question: '2 + 2' }, { trace: traces, runId: 'a' });
    await qa.call({ question: '1 + 1' }, { trace: traces, runId: 'b' }).catch(() => undefined);
    await qa.call({ question: '4 + 5' }, { trace: traces, runId: 'c' });
    expect(traces.traces()).toHaveLength(3);
    const demos = demosFromTraces(traces.traces(), '', (trace) => trace.runId !== 'c');
    expect(demos).toEqual([{ inputs: { question: '2 + 2' }, labels: { answer: '4' } }]);
    const taught = qa.withConfig({ [demosVariableId('')]: demos });
    await taught.call({ question: '3 + 3' });
    expect(lm.requests.at(-1)?.messages[2]?.content).toBe('{"answer":"4"}');
    expect(demosVariableId('rag.answer')).toBe('rag.answer.demos');
    traces.clear();
    expect(traces.traces()).toEqual([]);
  });
});
