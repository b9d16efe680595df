/**
 * What a predictor adds around a model call: formatting the prompt, validating inputs, parsing and
 * validating the reply, and recording a trace. Measured on the simulated model at zero latency,
 * beside calling the simulated model directly with the very request the predictor sends, in the
 * same run. `pnpm bench` in packages/dspex-bridge.
 */
import { compare, type Row, report } from '@varplane/bench-kit';
import type { LanguageModelRequest } from '@varplane/core';
import {
  chainOfThought,
  createSimulatedLanguageModel,
  example,
  type Program,
  type ProgramTrace,
  predict,
  type SimulatedTask,
  signature,
  type TraceSink,
} from '../src/index';

const QUESTION = /^What is (\d+) \+ (\d+)\?$/;
const arithmetic: SimulatedTask = {
  type: 'arithmetic',
  matches: (inputs) => typeof inputs.question === 'string' && QUESTION.test(inputs.question),
  solve: (inputs) => {
    const match = QUESTION.exec(String(inputs.question));
    return match === null ? undefined : { answer: String(Number(match[1]) + Number(match[2])) };
  },
};

const lm = createSimulatedLanguageModel({ seed: 1, tasks: [arithmetic] });
const sig = signature('question: string "a sum to work out" -> answer: string', {
  instructions: 'Add the two numbers and give the sum.',
});
const demos = [
  example({ question: 'What is 1 + 2?' }, { answer: '3' }),
  example({ question: 'What is 4 + 4?' }, { answer: '8' }),
];
const inputs = { question: 'What is 12 + 30?' };

/** Counts traces and keeps the last, so recording costs what it would in a real sink. */
let traced = 0;
// Reset per case, so the exact count of traces can be checked.
let lastTrace: ProgramTrace | undefined;
const sink: TraceSink = {
  record(trace) {
    traced++;
    lastTrace = trace;
  },
};

/** The request a program sends for `inputs`, captured once through a probe model. */
async function requestOf(program: Program): Promise<LanguageModelRequest> {
  let captured: LanguageModelRequest | undefined;
  const probe = {
    ...lm,
    async generate(request: LanguageModelRequest) {
      captured = request;
      return lm.generate(request);
    },
  };
  await program.call(inputs, { lm: probe });
  if (captured === undefined) throw new Error('the program sent no request');
  return captured;
}

async function pair(name: string, program: Program): Promise<Row> {
  const request = await requestOf(program);
  traced = 0;
  let answer: unknown;
  let calls = 0;
  // The simulated model errs now and then, as a real one does: each call must give a parsed
  // numeric answer, and every call of the program must have recorded exactly one trace.
  const result = await compare(
    {
      name,
      fn: async () => {
        calls++;
        answer = (await program.call(inputs, { trace: sink })).answer;
      },
      check: () => {
        if (typeof answer !== 'string' || !/^\d+$/.test(answer)) {
          throw new Error(`${name} answered ${String(answer)}`);
        }
        if (traced !== calls) throw new Error(`${calls} calls recorded ${traced} traces`);
      },
    },
    {
      name: `${name}: simulated generate`,
      fn: async () => {
        answer = (await lm.generate(request)).text;
      },
      check: () => {
        if (typeof answer !== 'string' || !/\d/.test(answer)) {
          throw new Error(`the model answered ${String(answer)}`);
        }
      },
    },
  );
  return { case: name, ...result };
}

const rows: Row[] = [
  await pair('Predict, JSON, 2 demos', predict(sig, { lm, temperature: 0.3, demos })),
  await pair(
    'Predict, markers, 2 demos',
    predict(sig, { lm, temperature: 0.3, demos, format: 'markers' }),
  ),
  await pair('ChainOfThought, JSON, 2 demos', chainOfThought(sig, { lm, temperature: 0.3, demos })),
];
report('dspex-bridge: predictor call overhead on the simulated model (zero latency)', rows);
// The added cost from the ratio of each round (time per call of the same round's baseline), so a
// slow round of one side alone does not show as a negative overhead.
for (const row of rows) {
  const baselineUs = (row.baseline?.nsPerOp ?? 0) / 1000;
  const added = (ratio: number) => ((ratio - 1) * baselineUs).toFixed(2);
  const ratio = row.ratio ?? { median: 1, min: 1, max: 1 };
  console.log(
    `${row.case}: ${added(ratio.median)} us added per call (rounds: ${added(ratio.min)} to ${added(ratio.max)})`,
  );
}
console.log(`(${traced} traces recorded; last at step ${lastTrace?.step})`);
