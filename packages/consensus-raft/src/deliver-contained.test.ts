import { describe, expect, it } from 'vitest';
import { deliverContained } from './deliver-contained';
import type { RaftError } from './errors';
import type { RaftMessage } from './messages';

const message = { type: 'heartbeat', from: 'a', to: 'b', term: 1 } as unknown as RaftMessage;

describe('deliverContained', () => {
  it('hands the message over, and turns a throw into RAFT_DELIVERY_FAILED', () => {
    const seen: RaftMessage[] = [];
    expect(deliverContained('t', (m) => seen.push(m), message)).toBe(true);
    expect(seen).toEqual([message]);
    const reported: RaftError[] = [];
    const took = deliverContained(
      't',
      () => {
        throw new Error('boom');
      },
      message,
      (error) => reported.push(error),
    );
    expect(took).toBe(false);
    expect(reported.map((e) => [e.code, e.message])).toEqual([
      ['RAFT_DELIVERY_FAILED', 't: the handler of node "b" threw on a message from "a": boom'],
    ]);
  });

  it('refuses arguments of the wrong kind, typed', () => {
    const codeOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return [(error as RaftError).code, (error as RaftError).message];
      }
      return undefined;
    };
    expect(codeOf(() => deliverContained('t', 'x' as never, message))).toEqual([
      'RAFT_INVALID_ARGUMENT',
      'deliverContained: handler must be a function (got "x")',
    ]);
    expect(codeOf(() => deliverContained('t', () => undefined, null as never))?.[0]).toBe(
      'RAFT_INVALID_ARGUMENT',
    );
    expect(
      codeOf(() => deliverContained('t', () => undefined, message, 1 as never))?.[1],
    ).toContain('onDeliveryError must be a function');
  });
});
