import { example } from '../src/example';
import type { SimulatedTask } from '../src/simulated-language-model';

const QUESTION = /^What is (\d+) \+ (\d+)\?$/;

/** A simulated task with a known answer: sums of two numbers. */
export const arithmeticTask: SimulatedTask = {
  type: 'arithmetic',
  matches: (inputs) => typeof inputs.question === 'string' && QUESTION.test(inputs.question),
  solve: (inputs) => {
    const match = QUESTION.exec(String(inputs.question));
    return match === null ? undefined : { answer: String(Number(match[1]) + Number(match[2])) };
  },
};

/** A second task, so demos can be off-task: reversing words. */
export const reverseTask: SimulatedTask = {
  type: 'reverse',
  matches: (inputs) =>
    typeof inputs.question === 'string' && inputs.question.startsWith('Reverse: '),
  solve: (inputs) => ({
    answer: String(inputs.question).slice('Reverse: '.length).split(' ').reverse().join(' '),
  }),
};

/** `What is a + b?` examples with their answers. */
export function sums(count: number, offset = 0) {
  return Array.from({ length: count }, (_, i) => {
    const a = i + offset;
    const b = (i * 13 + 7) % 50;
    return example({ question: `What is ${a} + ${b}?` }, { answer: String(a + b) });
  });
}
