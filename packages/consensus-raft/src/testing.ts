/**
 * Tools for testing replicated state: a linearizability checker and the sequential models it
 * checks histories against. Import it from `@varplane/consensus-raft/testing`.
 */
export type { AppendLogInput, AppendLogOutput, AppendLogState } from './testing/append-log-model';
export { createAppendLogModel } from './testing/append-log-model';
export type { BlockedOperation, Counterexample } from './testing/counterexample';
export { describeOperation } from './testing/counterexample';
export type { CheckOptions, LinearizabilityResult } from './testing/linearizability';
export { checkLinearizability } from './testing/linearizability';
export type { Model, Operation } from './testing/model';
export type {
  KeyValueInput,
  KeyValueOutput,
  RegisterInput,
  RegisterOutput,
} from './testing/models';
export { createKeyValueModel, createRegisterModel } from './testing/models';
