import {
  checkLinearizability,
  createKeyValueModel,
  type KeyValueInput,
  type KeyValueOutput,
  type Operation,
} from '@varplane/consensus-raft/testing';

const history: Operation<KeyValueInput, KeyValueOutput>[] = [
  { client: 'a', input: { type: 'put', key: 'x', value: '1' }, start: 0, end: 10, output: null },
  { client: 'b', input: { type: 'get', key: 'x' }, start: 12, end: 15, output: null }, // stale
];
const result = checkLinearizability(history, createKeyValueModel(), { timeoutMs: 10_000 });
console.log(result.outcome); // not-linearizable
if (result.outcome === 'not-linearizable') console.log(result.counterexample.message);
