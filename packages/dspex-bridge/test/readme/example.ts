import {
  chainOfThought,
  createSimulatedLanguageModel,
  evaluate,
  exactMatch,
  example,
  languageModelFromEnv,
  type SimulatedTask,
} from '@varplane/dspex-bridge';

const sum: SimulatedTask['solve'] = ({ question }) => ({
  answer: String(
    String(question)
      .split('+')
      .reduce((a, b) => a + Number(b), 0),
  ),
});
const tasks: SimulatedTask[] = [{ type: 'sum', solve: sum }];
const lm = languageModelFromEnv({
  fallback: () => createSimulatedLanguageModel({ seed: 1, tasks }),
});
const solver = chainOfThought('question -> answer', { lm, temperature: 0.3 });
const devset = [
  example({ question: '2 + 3' }, { answer: '5' }),
  example({ question: '40 + 2' }, { answer: '42' }),
];
const { score, stats } = await evaluate(solver, devset, exactMatch('answer'), { concurrency: 4 });
const cooler = solver.withConfig({ temperature: 0, demos: [devset[0]] }); // solver is unchanged
console.log(score, stats.throughput, cooler.variables.dimensionality());
