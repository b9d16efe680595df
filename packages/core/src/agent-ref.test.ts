import { describe, expect, it } from 'vitest';
import { agentRef, formatAgentRef, isSameAgent, parseAgentRef } from './agent-ref';

describe('agent refs', () => {
  it('round-trip through their string form', () => {
    const ref = agentRef('coder', 'node-2');
    expect(formatAgentRef(ref)).toBe('coder@node-2');
    expect(parseAgentRef('coder@node-2')).toEqual(ref);
    expect(parseAgentRef('planner')).toEqual({ id: 'planner', node: 'local' });
    expect(isSameAgent(ref, agentRef('coder', 'node-2'))).toBe(true);
    expect(isSameAgent(ref, agentRef('coder'))).toBe(false);
  });

  it('reject bad ids with a typed error naming the field and value', () => {
    expect(() => agentRef('')).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/id: must not be empty/),
      }),
    );
    expect(() => agentRef('a b')).toThrow(/id: may hold only/);
    expect(() => parseAgentRef('coder@')).toThrow(/node/);
  });
});
