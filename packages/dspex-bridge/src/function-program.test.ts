import { describe, expect, it } from 'vitest';
import { functionProgram } from './function-program';

describe('functionProgram', () => {
  const add = functionProgram({
    name: 'add',
    signature: 'a: number, b: number -> sum: number',
    run: ({ a, b }) => ({ sum: (a as number) + (b as number) }),
  });

  it('runs plain code with validated inputs and outputs, and has no variables', async () => {
    expect(await add.call({ a: 2, b: 3 })).toEqual({ sum: 5 });
    expect(add.kind).toBe('function');
    expect(add.variables.variables).toEqual([]);
    expect(add.predictors).toEqual([]);
    expect(add.withConfig({})).toBe(add);
    await expect(add.call({ a: '2', b: 3 })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });

  it('rejects outputs that do not match its signature', async () => {
    const broken = functionProgram({
      name: 'broken',
      signature: 'a -> b: number',
      run: () => ({ b: 'x' }) as never,
    });
    await expect(broken.call({ a: '' })).rejects.toMatchObject({
      code: 'OUTPUT_INVALID',
      rawText: '{"b":"x"}',
    });
  });
});
