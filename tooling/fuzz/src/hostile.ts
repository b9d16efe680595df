import fc from 'fast-check';

/**
 * Inputs are generated as recipes (plain JSON data) and built into values fresh for every call:
 * a callee may mutate its input, and Proxies or throwing getters must never be touched by the
 * harness itself. A recipe is also what a failure report prints and what a known failure replays.
 */
export type Recipe =
  | { readonly k: 'json'; readonly v: unknown }
  | { readonly k: 'special'; readonly name: SpecialName }
  | { readonly k: 'valid'; readonly arg: number }
  | {
      readonly k: 'mutated';
      readonly arg: number;
      readonly path: readonly (string | number)[];
      readonly op: MutationOp;
      readonly with?: Recipe;
    };

export type MutationOp = 'replace' | 'delete' | 'throwing-getter' | 'proto-key';

/** Marks an error thrown by a hostile value itself, so a report can tell it apart. */
export const HOSTILE_ERROR = 'fuzz: hostile value threw';

const hostileError = () => new Error(HOSTILE_ERROR);

const throwingHandler: ProxyHandler<object> = Object.fromEntries(
  [
    'get',
    'set',
    'has',
    'ownKeys',
    'getOwnPropertyDescriptor',
    'getPrototypeOf',
    'defineProperty',
    'deleteProperty',
    'apply',
    'construct',
  ].map((trap) => [
    trap,
    () => {
      throw hostileError();
    },
  ]),
);

function cyclicObject(): object {
  const value: Record<string, unknown> = { id: 'cycle', name: 'cycle' };
  value.self = value;
  value.children = [value];
  return value;
}

function deepArray(depth: number): unknown {
  let value: unknown = [];
  for (let i = 0; i < depth; i += 1) value = [value];
  return value;
}

function getterObject(): object {
  const value = {};
  for (const key of [
    'id',
    'name',
    'type',
    'kind',
    'value',
    'agents',
    'length',
    'then',
    'message',
  ]) {
    Object.defineProperty(value, key, {
      enumerable: true,
      get() {
        throw hostileError();
      },
    });
  }
  return value;
}

function rejected(): Promise<never> {
  const promise = Promise.reject(hostileError());
  promise.catch(() => {});
  return promise;
}

/** Every special value, built fresh on each use. */
const SPECIALS = {
  undefined: () => undefined,
  null: () => null,
  NaN: () => Number.NaN,
  Infinity: () => Number.POSITIVE_INFINITY,
  '-Infinity': () => Number.NEGATIVE_INFINITY,
  '-0': () => -0,
  '1e308': () => 1e308,
  '-1e308': () => -1e308,
  'MAX_SAFE_INTEGER+2': () => Number.MAX_SAFE_INTEGER + 2,
  '2**31': () => 2 ** 31,
  '-1': () => -1,
  '0.5': () => 0.5,
  bigint: () => 10n ** 30n,
  true: () => true,
  emptyString: () => '',
  '"__proto__"': () => '__proto__',
  '"constructor"': () => 'constructor',
  '"toString"': () => 'toString',
  '"hasOwnProperty"': () => 'hasOwnProperty',
  hugeString: () => 'x'.repeat(200_000),
  loneSurrogate: () => '\uD800',
  symbol: () => Symbol('fuzz'),
  emptyArray: () => [],
  hugeArray: () => new Array(100_000).fill(0),
  sparseArray: () => {
    const array: unknown[] = new Array(3);
    array[2] = 1;
    return array;
  },
  deepArray: () => deepArray(20_000),
  emptyObject: () => ({}),
  nullPrototype: () => Object.create(null),
  protoKeyObject: () => JSON.parse('{"__proto__": {"polluted": "yes"}, "id": "__proto__"}'),
  constructorKeyObject: () => ({
    constructor: { prototype: { polluted: 'yes' } },
    id: 'constructor',
  }),
  toStringKeyObject: () => ({ toString: 1, valueOf: 2, id: 'toString' }),
  throwingGetters: getterObject,
  throwingProxy: () => new Proxy({}, throwingHandler),
  throwingFunctionProxy: () => new Proxy(() => {}, throwingHandler),
  cyclicObject,
  cyclicArray: () => {
    const array: unknown[] = [];
    array.push(array);
    return array;
  },
  invalidDate: () => new Date(Number.NaN),
  map: () => new Map([['__proto__', 1]]),
  set: () => new Set([1]),
  regexp: () => /x/g,
  typedArray: () => new Uint8Array(4),
  error: () => new TypeError('fuzz'),
  frozenObject: () => Object.freeze({ id: 'frozen' }),
  throwingFunction: () => () => {
    throw hostileError();
  },
  undefinedFunction: () => () => undefined,
  garbageFunction: () => () => ({ garbage: Number.NaN }),
  rejectingFunction: () => async () => {
    throw 'a string, not an Error';
  },
  neverSettlingFunction: () => () => new Promise(() => {}),
  rejectedPromise: rejected,
  throwingThenable: () => ({
    // biome-ignore lint/suspicious/noThenProperty: a hostile thenable is the point
    then() {
      throw hostileError();
    },
  }),
  throwingToString: () => ({
    toString() {
      throw hostileError();
    },
    valueOf() {
      throw hostileError();
    },
  }),
} satisfies Record<string, () => unknown>;

export type SpecialName = keyof typeof SPECIALS;
export const SPECIAL_NAMES = Object.keys(SPECIALS) as SpecialName[];

/** A hostile value: arbitrary JSON or one of the specials. */
export const hostileRecipe: fc.Arbitrary<Recipe> = fc.oneof(
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v): Recipe => ({ k: 'json', v })) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(...SPECIAL_NAMES).map((name): Recipe => ({ k: 'special', name })),
  },
  // Ids that name Object.prototype's own keys, the way to pollute or confuse a record.
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<SpecialName>('"__proto__"', '"constructor"', '"toString"', 'protoKeyObject')
      .map((name): Recipe => ({ k: 'special', name })),
  },
);

type Path = readonly (string | number)[];

/** Paths into the plain objects and arrays of a valid argument, to mutate one field at a time. */
export function pathsOf(value: unknown, depth = 3, prefix: Path = []): Path[] {
  const found: Path[] = [];
  if (depth === 0 || !isPlainContainer(value)) return found;
  const keys: (string | number)[] = Array.isArray(value)
    ? value.slice(0, 4).map((_, i) => i)
    : Object.keys(value);
  for (const key of keys) {
    const path = [...prefix, key];
    found.push(path);
    found.push(...pathsOf((value as Record<string | number, unknown>)[key], depth - 1, path));
  }
  return found;
}

function valueAt(value: unknown, path: Path): unknown {
  let at = value;
  for (const key of path) at = (at as Record<string | number, unknown>)[key];
  return at;
}

function isPlainContainer(value: unknown): value is object {
  if (Array.isArray(value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The arguments of one call: recipes over the valid call `call` of the target's table entry. */
export interface CallRecipe {
  readonly call: number;
  readonly args: readonly Recipe[];
}

/** Hostile arguments only, `arity` of them or fewer. */
export function hostileArgs(arity: number): fc.Arbitrary<CallRecipe> {
  return fc
    .tuple(fc.array(hostileRecipe, { minLength: arity, maxLength: arity }), fc.nat(arity))
    .map(([args, keep]) => ({ call: 0, args: args.slice(0, Math.max(keep, 1)) }));
}

/** Near-valid calls over every valid call in `table`. */
export function nearValidCalls(
  table: readonly (readonly unknown[])[],
): fc.Arbitrary<CallRecipe> | undefined {
  const choices = table.flatMap((valid, call) => {
    const arb = nearValidArgs(valid);
    return arb === undefined ? [] : [arb.map((args) => ({ call, args }))];
  });
  return choices.length === 0 ? undefined : fc.oneof(...choices);
}

/** Recipes for near-valid calls: the valid arguments with one argument or one field changed. */
function nearValidArgs(valid: readonly unknown[]): fc.Arbitrary<Recipe[]> | undefined {
  const base = valid.map((_, arg): Recipe => ({ k: 'valid', arg }));
  const choices: fc.Arbitrary<Recipe[]>[] = [];
  if (valid.length > 0) {
    choices.push(
      fc
        .tuple(fc.nat(valid.length - 1), hostileRecipe)
        .map(([arg, recipe]) => base.map((r, i) => (i === arg ? recipe : r))),
    );
    // One argument fewer: a required argument left out.
    choices.push(fc.nat(valid.length - 1).map((n) => base.slice(0, n)));
  }
  // Every string argument or field, to be replaced by a key of Object.prototype: ids like these
  // are where records keyed by user ids break.
  const strings = valid.flatMap((value, arg) => [
    ...(typeof value === 'string' ? [{ arg, path: [] as Path }] : []),
    ...pathsOf(value)
      .filter((path) => typeof valueAt(value, path) === 'string')
      .map((path) => ({ arg, path })),
  ]);
  if (strings.length > 0) {
    const id = fc.constantFrom<SpecialName>(
      '"__proto__"',
      '"constructor"',
      '"toString"',
      '"hasOwnProperty"',
    );
    choices.push(
      fc.tuple(fc.constantFrom(...strings), id).map(([{ arg, path }, name]) =>
        base.map((r, i): Recipe => {
          if (i !== arg) return r;
          const special: Recipe = { k: 'special', name };
          return path.length === 0
            ? special
            : { k: 'mutated', arg, path, op: 'replace', with: special };
        }),
      ),
    );
  }
  const fields = valid.flatMap((value, arg) => pathsOf(value).map((path) => ({ arg, path })));
  if (fields.length > 0) {
    const op = fc.constantFrom<MutationOp>(
      'replace',
      'replace',
      'delete',
      'throwing-getter',
      'proto-key',
    );
    choices.push(
      fc
        .tuple(fc.constantFrom(...fields), op, hostileRecipe)
        .map(([{ arg, path }, op, recipe]) =>
          base.map(
            (r, i): Recipe =>
              i === arg
                ? { k: 'mutated', arg, path, op, ...(op === 'delete' ? {} : { with: recipe }) }
                : r,
          ),
        ),
    );
  }
  return choices.length === 0 ? undefined : fc.oneof(...choices);
}

/** Builds the value a recipe describes. `valid` gives fresh valid arguments for this call. */
export function materialize(recipe: Recipe, valid: () => readonly unknown[]): unknown {
  switch (recipe.k) {
    case 'json':
      return structuredClone(recipe.v);
    case 'special':
      return SPECIALS[recipe.name]();
    case 'valid':
      return valid()[recipe.arg];
    case 'mutated': {
      const root = valid()[recipe.arg];
      return mutateAt(root, recipe.path, recipe.op, () =>
        recipe.with === undefined ? undefined : materialize(recipe.with, valid),
      );
    }
  }
}

// Copies each container on the path, then changes the last field: fixtures are never modified.
function mutateAt(value: unknown, path: Path, op: MutationOp, replacement: () => unknown): unknown {
  if (!isPlainContainer(value)) return value;
  const copy: Record<string | number, unknown> = Array.isArray(value)
    ? [...value]
    : Object.assign(Object.create(Object.getPrototypeOf(value)), value);
  const [key, ...rest] = path;
  if (key === undefined) return copy;
  if (rest.length > 0) {
    copy[key] = mutateAt(copy[key], rest, op, replacement);
    return copy;
  }
  if (op === 'delete') delete copy[key];
  else if (op === 'replace') copy[key] = replacement();
  else if (op === 'throwing-getter')
    Object.defineProperty(copy, key, {
      enumerable: true,
      configurable: true,
      get() {
        throw hostileError();
      },
    });
  else
    Object.defineProperty(copy, '__proto__', {
      value: replacement(),
      enumerable: true,
      configurable: true,
      writable: true,
    });
  return copy;
}

/** A short, safe description of a recipe, for reports. */
export function describeRecipe(recipe: Recipe): string {
  switch (recipe.k) {
    case 'json': {
      const text = JSON.stringify(recipe.v) ?? 'undefined';
      return text.length > 60 ? `${text.slice(0, 57)}...` : text;
    }
    case 'special':
      return recipe.name;
    case 'valid':
      return `valid[${recipe.arg}]`;
    case 'mutated': {
      const change =
        recipe.op === 'delete'
          ? 'deleted'
          : recipe.op === 'throwing-getter'
            ? 'throwing getter'
            : `${recipe.op === 'proto-key' ? '__proto__ key := ' : ':= '}${recipe.with ? describeRecipe(recipe.with) : ''}`;
      return `valid[${recipe.arg}].${recipe.path.join('.')} ${change}`;
    }
  }
}
