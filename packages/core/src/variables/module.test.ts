import { describe, expect, it } from 'vitest';
import { catchVarplaneError } from '../internal/testing';
import { module } from './module';

const implementations = [
  { name: 'bm25', capabilities: ['search'] },
  { name: 'dense', capabilities: ['search', 'semantic'], description: 'embeddings' },
  { name: 'none', capabilities: [] },
];

describe('module', () => {
  it('defaults to the first eligible implementation', () => {
    const variable = module('retriever', { implementations, requiredCapabilities: ['semantic'] });
    expect(variable.default).toBe('dense');
    expect(variable.requiredCapabilities).toEqual(['semantic']);
    expect(variable.implementations[1]).toEqual(implementations[1]);
    expect(Object.isFrozen(variable.implementations[0]?.capabilities)).toBe(true);
  });

  it('copies implementations instead of freezing the caller objects', () => {
    const mine = [{ name: 'a', capabilities: ['x'] }];
    module('m', { implementations: mine });
    expect(Object.isFrozen(mine[0])).toBe(false);
  });

  it('rejects empty implementations and an unsatisfiable capability', () => {
    expect(catchVarplaneError(() => module('m', { implementations: [] })).code).toBe(
      'VARIABLE_EMPTY_CHOICES',
    );
    const error = catchVarplaneError(() =>
      module('retriever', { implementations, requiredCapabilities: ['telepathy'] }),
    );
    expect(error.code).toBe('VARIABLE_EMPTY_CHOICES');
    expect(error.message).toBe(
      'module "retriever": no implementation has every required capability ["telepathy"] (got ["telepathy"])',
    );
  });

  it('rejects duplicate implementation names', () => {
    const error = catchVarplaneError(() =>
      module('m', { implementations: [...implementations, { name: 'bm25', capabilities: [] }] }),
    );
    expect(error.code).toBe('VARIABLE_DUPLICATE_CHOICE');
    expect(error.message).toContain('"bm25"');
    expect(error.issues?.[0]?.path).toBe('implementations[3].name');
  });

  it('rejects an unknown or ineligible default', () => {
    const unknown = catchVarplaneError(() => module('m', { implementations, default: 'sparse' }));
    expect(unknown.code).toBe('VARIABLE_DEFAULT_INVALID');
    expect(unknown.message).toContain('(got "sparse")');
    const ineligible = catchVarplaneError(() =>
      module('m', { implementations, requiredCapabilities: ['search'], default: 'none' }),
    );
    expect(ineligible.code).toBe('VARIABLE_DEFAULT_INVALID');
    expect(ineligible.message).toContain('lacks a required capability');
  });

  it('rejects an implementation without a name', () => {
    const error = catchVarplaneError(() =>
      module('m', { implementations: [{ name: '', capabilities: [] }] }),
    );
    expect(error.code).toBe('VARIABLE_INVALID_OPTIONS');
    expect(error.issues?.[0]?.path).toBe('implementations.0.name');
  });
});
