import { VarplaneError } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { startClusterNode } from './cluster-node';

const base = { cluster: 'c', node: 'n1', servers: 'nats://127.0.0.1:1', peers: ['n1'] };
const refusal = (options: object) =>
  startClusterNode(options as Parameters<typeof startClusterNode>[0]).then(
    () => undefined,
    (error: unknown) => error,
  );

describe('startClusterNode options', () => {
  it('refuses a lease that does not end before a node is declared down, naming the field', async () => {
    const error = await refusal({ ...base, leaseMs: 3_000, downAfterMs: 2_000 });
    expect(VarplaneError.isInstance(error, 'CLUSTER_INVALID_ARGUMENT')).toBe(true);
    expect(String((error as Error).message)).toMatch(/downAfterMs.*above leaseMs/);
  });

  it('refuses bad timings, strategies and behaviours before connecting, naming field and value', async () => {
    for (const [field, value, pattern] of [
      ['heartbeatMs', 0, /heartbeatMs/],
      ['checkpointMs', -1, /checkpointMs/],
      ['placement', 'random', /placement/],
      ['behaviours', [{ handle: () => null }], /behaviours\.0/],
    ] as const) {
      const error = await refusal({ ...base, [field]: value });
      expect(VarplaneError.isInstance(error, 'CLUSTER_INVALID_ARGUMENT'), field).toBe(true);
      expect(String((error as Error).message)).toMatch(pattern);
    }
  });
});
