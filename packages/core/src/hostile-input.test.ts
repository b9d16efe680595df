import { describe, expect, it } from 'vitest';
import { createManualClock } from './clock';
import { adapt, coordinate } from './coordinate';
import { VarplaneError } from './errors';
import { catchVarplaneError } from './internal/testing';
import { temperature } from './ml-presets';
import {
  addOrchestrationVariable,
  createMultiAgentSpace,
  registerAgent,
  setAgentRole,
  setAgentStatus,
  setVariableValue,
} from './multi-agent-space';
import { agentSelection } from './orchestration-variable';
import { createRandom } from './random';
import { createVariableSpace, MAX_SAMPLE_COUNT } from './variable-space';
import { float } from './variables/float';

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];

describe('ids that are keys of Object.prototype', () => {
  it('are refused as unknown agents, and never write to Object.prototype', () => {
    const space = registerAgent(createMultiAgentSpace({ id: 'team' }), { id: 'a', behaviour: 'b' });
    for (const id of PROTOTYPE_KEYS) {
      expect(catchVarplaneError(() => setAgentStatus(space, id, 'inactive')).code).toBe(
        'SPACE_AGENT_UNKNOWN',
      );
      expect(catchVarplaneError(() => setAgentRole(space, id, 'coordinator')).code).toBe(
        'SPACE_AGENT_UNKNOWN',
      );
    }
    expect(Object.hasOwn(Object.prototype, 'status')).toBe(false);
    expect(Object.hasOwn(Object.prototype, 'role')).toBe(false);
  });

  it('work as ordinary agent and variable ids', () => {
    let space = createMultiAgentSpace({ id: 'team', topology: 'ring' });
    for (const id of PROTOTYPE_KEYS) space = registerAgent(space, { id, behaviour: 'worker' });
    const before = space.agents['constructor' as string]?.status;
    space = setAgentStatus(space, '__proto__', before === 'active' ? 'inactive' : 'active');
    expect(Object.keys(space.agents)).toEqual(PROTOTYPE_KEYS);
    expect(space.agents.__proto__?.status).not.toBe(before);
    expect(space.agents['constructor' as string]?.status).toBe(before);
    space = addOrchestrationVariable(
      space,
      // A variable may not be named `__proto__` (a typed error); `constructor` is an ordinary id.
      agentSelection('constructor', { agents: ['hasOwnProperty', 'toString'] }),
    );
    space = setVariableValue(space, 'constructor', ['toString']);
    expect(space.orchestrationVariables['constructor' as string]?.value).toEqual(['toString']);
    expect(Object.hasOwn(Object.prototype, 'status')).toBe(false);
  });
});

describe('helpers given what is not theirs', () => {
  it('space transitions name the function and the value when space is not a space', () => {
    const error = catchVarplaneError(() => setAgentStatus(null as never, 'a', 'inactive'));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(
      'setAgentStatus: space must be a multi-agent space made by createMultiAgentSpace (got null)',
    );
  });

  it('coordinate and adapt refuse a missing variable', async () => {
    await expect(coordinate(undefined as never, 1, { agents: {} })).rejects.toMatchObject({
      code: 'ORCHESTRATION_INVALID_OPTIONS',
    });
    await expect(adapt(Number.NaN as never, {} as never)).rejects.toMatchObject({
      code: 'ORCHESTRATION_INVALID_OPTIONS',
      message: expect.stringContaining('(got NaN)'),
    });
  });

  it('presets, Random, clocks and errors refuse bad arguments with typed errors', () => {
    expect(catchVarplaneError(() => temperature(null as never)).message).toBe(
      'temperature: options must be an object (got null)',
    );
    const random = createRandom(1);
    expect(catchVarplaneError(() => (random.int as () => number)()).code).toBe('INVALID_ARGUMENT');
    expect(catchVarplaneError(() => random.float(1, 0)).message).toContain('(got 1, 0)');
    expect(catchVarplaneError(() => createManualClock('x' as never)).message).toContain(
      '(got "x")',
    );
    expect(catchVarplaneError(() => createManualClock().advance(Number.NaN)).code).toBe(
      'INVALID_ARGUMENT',
    );
    const made = new (VarplaneError as unknown as new () => VarplaneError)();
    expect(made.code).toBe('INVALID_ARGUMENT');
    expect(VarplaneError.isInstance(made)).toBe(true);
  });

  it('sampleMany is bounded instead of looping forever', () => {
    const space = createVariableSpace([float('t', { range: [0, 1], default: 0.5 })]);
    const error = catchVarplaneError(() => space.sampleMany(1e308, createRandom(1)));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain(String(MAX_SAMPLE_COUNT));
    expect(space.sampleMany(2, createRandom(1))).toHaveLength(2);
  });

  it('an input whose getters throw is refused, not rethrown', () => {
    const hostile = Object.defineProperty({}, 'id', {
      enumerable: true,
      get() {
        throw new Error('getter');
      },
    });
    const error = catchVarplaneError(() => createMultiAgentSpace(hostile as never));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe('createMultiAgentSpace: the input could not be read (getter)');
  });
});
