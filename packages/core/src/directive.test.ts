import { describe, expect, it } from 'vitest';
import { byPriority, directive } from './directive';

describe('directive', () => {
  it('fills the default priority and timeout', () => {
    expect(directive('coder', 'start')).toEqual({
      agent: 'coder',
      action: 'start',
      parameters: {},
      priority: 50,
      timeout: 5000,
    });
  });

  it('refuses malformed directives with INVALID_ARGUMENT naming the field and value', () => {
    expect(() => directive('', 'start')).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('agent'),
      }),
    );
    expect(() => directive('coder', 'dance' as never)).toThrow(/action/);
    expect(() => directive('coder', 'stop', {}, { priority: 0 })).toThrow(/priority.*got 0/);
    expect(() => directive('coder', 'stop', {}, { timeout: 1.5 })).toThrow(/timeout/);
  });

  it('orders by priority, highest first, keeping the order of equals', () => {
    const ds = [
      directive('a', 'stop', {}, { priority: 10 }),
      directive('b', 'start', {}, { priority: 90 }),
      directive('c', 'stop', {}, { priority: 10 }),
    ];
    expect(byPriority(ds).map((d) => d.agent)).toEqual(['b', 'a', 'c']);
  });
});
