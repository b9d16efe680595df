import { createManualClock, createRandom, VarplaneError } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { NotLeaderError, RaftError } from './errors';
import { createFileStorage, StorageCorruptError } from './file-storage';
import { createMemoryStorage } from './memory-storage';
import { encodeRaftMessage } from './message-codec';
import { decodeConfChange, encodeConfChange, entrySize } from './messages';
import { createRaftConsensus } from './raft-consensus';
import { createRaftCore } from './raft-core';
import { startRaftNode } from './raft-node';
import { createReplicatedVariableStore } from './replicated-variables';
import { createSimulatedNetwork } from './simulated-network';
import { startTcpTransport } from './tcp-transport';
import { createAppendLogModel } from './testing/append-log-model';
import { describeOperation } from './testing/counterexample';
import { checkLinearizability } from './testing/linearizability';
import { createKeyValueModel, createRegisterModel } from './testing/models';

const HOSTILE = 'hostile value threw';
const hostile = () => {
  throw new Error(HOSTILE);
};

/** A Proxy whose every trap throws. */
const throwingProxy = (): object =>
  new Proxy(
    {},
    { get: hostile, has: hostile, ownKeys: hostile, getPrototypeOf: hostile },
  ) as object;

/** What `run` threw or rejected with, asserted to be a VarplaneError; its code. */
async function codeOf(run: () => unknown): Promise<string> {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  expect(VarplaneError.isInstance(caught), `not a VarplaneError: ${String(caught)}`).toBe(true);
  return (caught as VarplaneError).code;
}

const message = {
  type: 'append',
  from: 'a',
  to: 'b',
  term: 1,
  logTerm: 0,
  index: 0,
  entries: [],
  commit: 0,
  reject: false,
  rejectHint: 0,
  context: '',
  snapshot: null,
} as const;

describe('error classes accept garbage', () => {
  it.each([
    ['undefined', () => undefined],
    ['null', () => null],
    ['a throwing Proxy', throwingProxy],
  ])('and are made with a stable code from %s', (_name, make) => {
    for (const error of [
      new RaftError(make() as never),
      new NotLeaderError(make() as never),
      new StorageCorruptError(make() as never),
    ]) {
      expect(VarplaneError.isInstance(error)).toBe(true);
      expect(error.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
    }
    expect(new NotLeaderError(make() as never).leader).toBeNull();
  });

  it('keep what they are given', () => {
    const error = new NotLeaderError({ message: 'ask b', leader: 'b' });
    expect([error.code, error.message, error.leader]).toEqual(['RAFT_NOT_LEADER', 'ask b', 'b']);
    expect(new RaftError({ code: 'RAFT_TIMEOUT', message: 'late' }).code).toBe('RAFT_TIMEOUT');
  });
});

describe('the codec', () => {
  it('refuses a message it would not decode, naming the field', async () => {
    expect(await codeOf(() => encodeRaftMessage(undefined as never))).toBe('RAFT_INVALID_ARGUMENT');
    expect(await codeOf(() => encodeRaftMessage(throwingProxy() as never))).toBe(
      'RAFT_INVALID_ARGUMENT',
    );
    expect(() => encodeRaftMessage({ ...message, term: -1 })).toThrow(/term must be an integer/);
    expect(() => encodeRaftMessage({ ...message, entries: [null] } as never)).toThrow(/entries\.0/);
    expect(() => encodeRaftMessage({ ...message, from: 5 } as never)).toThrow(
      /from must be a string/,
    );
    expect(encodeRaftMessage(message).byteLength).toBeGreaterThan(0);
  });

  it('refuses conf changes and entries that are not', async () => {
    expect(await codeOf(() => encodeConfChange(throwingProxy() as never))).toBe(
      'RAFT_INVALID_ARGUMENT',
    );
    expect(
      await codeOf(() => encodeConfChange({ changes: [{ type: 'x', node: 'a' }] } as never)),
    ).toBe('RAFT_INVALID_ARGUMENT');
    expect(await codeOf(() => decodeConfChange(Number.NaN as never))).toBe('RAFT_INVALID_ARGUMENT');
    expect(await codeOf(() => decodeConfChange(new Uint8Array(4)))).toBe('RAFT_INVALID_ARGUMENT');
    const change = { changes: [{ type: 'add-voter', node: '__proto__' }] } as const;
    expect(decodeConfChange(encodeConfChange(change))).toEqual(change);
    expect(await codeOf(() => entrySize(null as never))).toBe('RAFT_INVALID_ARGUMENT');
    expect(entrySize({ index: 1, term: 1, type: 'normal', data: new Uint8Array(4) })).toBe(20);
  });
});

describe('storages', () => {
  it('refuse unreadable options, writes and snapshots with typed errors', async () => {
    expect(await codeOf(() => createMemoryStorage(throwingProxy() as never))).toBe(
      'RAFT_INVALID_OPTIONS',
    );
    expect(await codeOf(() => createMemoryStorage(null as never))).toBe('RAFT_INVALID_OPTIONS');
    expect(await codeOf(() => createMemoryStorage({ initial: { hardState: 1 } } as never))).toBe(
      'RAFT_INVALID_OPTIONS',
    );
    expect(await codeOf(() => createFileStorage(throwingProxy() as never))).toBe(
      'RAFT_INVALID_OPTIONS',
    );
    const storage = createMemoryStorage();
    expect(await codeOf(() => storage.write(null as never))).toBe('RAFT_STORAGE_INVALID_WRITE');
    expect(await codeOf(() => storage.write(throwingProxy() as never))).toBe(
      'RAFT_STORAGE_INVALID_WRITE',
    );
    expect(
      await codeOf(() =>
        storage.write({ hardState: null, snapshot: null, entries: [{ index: 1 }] } as never),
      ),
    ).toBe('RAFT_STORAGE_INVALID_WRITE');
    expect(await codeOf(() => storage.compact(Number.NEGATIVE_INFINITY as never))).toBe(
      'RAFT_STORAGE_INVALID_WRITE',
    );
    // A refused write changed nothing; a good one is kept.
    expect(storage.writeCount()).toBe(0);
    const entry = { index: 1, term: 1, type: 'normal', data: new Uint8Array([7]) } as const;
    await storage.write({
      hardState: { term: 1, vote: 'a', commit: 0 },
      snapshot: null,
      entries: [entry],
    });
    expect(storage.durable().entries).toEqual([entry]);
  });
});

describe('factories', () => {
  it('refuse options they cannot read or use with RAFT_INVALID_OPTIONS', async () => {
    const clock = createManualClock();
    const random = createRandom(1);
    for (const make of [
      () => createRaftCore(throwingProxy() as never),
      () => createRaftCore({ id: 'a', peers: ['a'], random, state: { entries: 'x' } } as never),
      () => createRaftConsensus(throwingProxy() as never),
      () => createReplicatedVariableStore(throwingProxy() as never),
      () => createSimulatedNetwork(null as never),
      () => createSimulatedNetwork({ clock, random, maxDelayMs: 2 ** 31 }),
      () => startRaftNode(throwingProxy() as never),
      () => startTcpTransport(throwingProxy() as never),
      () => createRegisterModel(throwingProxy() as never),
    ]) {
      expect(await codeOf(make)).toBe('RAFT_INVALID_OPTIONS');
    }
    const network = createSimulatedNetwork({ clock, random });
    expect(await codeOf(() => network.transport(5 as never))).toBe('RAFT_INVALID_ARGUMENT');
    expect(await codeOf(() => network.partition('a' as never, []))).toBe('RAFT_INVALID_ARGUMENT');
    expect(await codeOf(() => network.setFaults(throwingProxy() as never))).toBe(
      'RAFT_INVALID_OPTIONS',
    );
    expect(await codeOf(() => network.transport('a').send([throwingProxy()] as never))).toBe(
      'RAFT_INVALID_ARGUMENT',
    );
  });

  it('refuse a node timeout a timer cannot hold', async () => {
    const clock = createManualClock();
    const random = createRandom(1);
    const network = createSimulatedNetwork({ clock, random });
    const options = {
      id: 'a',
      peers: ['a'],
      storage: createMemoryStorage(),
      transport: network.transport('a'),
      clock,
      random,
    };
    expect(await codeOf(() => startRaftNode({ ...options, timeoutMs: 2 ** 31 }))).toBe(
      'RAFT_INVALID_OPTIONS',
    );
    const node = await startRaftNode(options);
    expect(await codeOf(() => node.propose(new Uint8Array(1), { timeoutMs: 2 ** 31 }))).toBe(
      'RAFT_INVALID_ARGUMENT',
    );
    expect(await codeOf(() => node.read(throwingProxy() as never))).toBe('RAFT_INVALID_ARGUMENT');
    await node.stop();
  });
});

describe('the testing models and checker', () => {
  it('refuse inputs and states they do not model, and describe anything', async () => {
    const log = createAppendLogModel();
    const kv = createKeyValueModel();
    expect(await codeOf(() => log.step(log.init(), undefined as never))).toBe(
      'RAFT_INVALID_ARGUMENT',
    );
    expect(await codeOf(() => log.step(log.init(), throwingProxy() as never))).toBe(
      'RAFT_INVALID_ARGUMENT',
    );
    expect(await codeOf(() => log.stateKey(null as never))).toBe('RAFT_INVALID_ARGUMENT');
    expect(await codeOf(() => log.outputEquals(null as never, 1))).toBe('RAFT_INVALID_ARGUMENT');
    expect(await codeOf(() => kv.step(null, { type: 'put', key: 1 } as never))).toBe(
      'RAFT_INVALID_ARGUMENT',
    );
    expect(await codeOf(() => kv.partition?.(undefined as never))).toBe('RAFT_INVALID_ARGUMENT');
    expect(await codeOf(() => kv.stateKey(Symbol('s') as never))).toBe('RAFT_INVALID_ARGUMENT');
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(typeof kv.describeOutput(cyclic as never)).toBe('string');
    expect(typeof log.describeInput(throwingProxy() as never)).toBe('string');
    expect(log.describeInput({ type: 'append', value: 'x' })).toBe('append("x")');
    expect(log.step(log.init(), { type: 'append', value: 'x' }).output).toBe(1);
  });

  it('checkLinearizability and describeOperation refuse what they cannot read', async () => {
    const kv = createKeyValueModel();
    expect(await codeOf(() => checkLinearizability(throwingProxy() as never, kv))).toBe(
      'RAFT_INVALID_ARGUMENT',
    );
    expect(await codeOf(() => checkLinearizability([], {} as never))).toBe('RAFT_INVALID_ARGUMENT');
    const op = {
      client: 'c',
      input: { type: 'get', key: 'k' },
      start: 0,
      end: 1,
      output: null,
    } as const;
    expect(await codeOf(() => describeOperation(op, throwingProxy() as never))).toBe(
      'RAFT_INVALID_ARGUMENT',
    );
    expect(await codeOf(() => describeOperation(undefined as never, kv))).toBe(
      'RAFT_INVALID_ARGUMENT',
    );
    expect(describeOperation(op, kv)).toBe('[c] get("k") -> null @ 0..1');
    expect(checkLinearizability([op], kv).outcome).toBe('linearizable');
  });
});
