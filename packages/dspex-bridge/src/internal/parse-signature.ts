import { SignatureError } from '../errors';

/** A field's type in the string form. */
export type ParsedType =
  | { readonly kind: 'string' | 'number' | 'integer' | 'boolean' | 'json' }
  | { readonly kind: 'array'; readonly items: ParsedType }
  | { readonly kind: 'enum'; readonly values: readonly string[] };

export interface ParsedField {
  readonly name: string;
  readonly optional: boolean;
  readonly type: ParsedType;
  readonly description: string;
  /** Offset of the name in the source. */
  readonly position: number;
}

export interface ParsedSignature {
  readonly inputs: readonly ParsedField[];
  readonly outputs: readonly ParsedField[];
}

const BASE_TYPES: Readonly<Record<string, ParsedType['kind']>> = {
  string: 'string',
  str: 'string',
  number: 'number',
  float: 'number',
  integer: 'integer',
  int: 'integer',
  boolean: 'boolean',
  bool: 'boolean',
  json: 'json',
};

/** Names a field may not take: the end marker of a reply, and keys that break plain objects. */
export const RESERVED_FIELD_NAMES: ReadonlySet<string> = new Set([
  'completed',
  '__proto__',
  'constructor',
  'prototype',
]);

function caret(source: string, position: number): string {
  return `\n  ${source}\n  ${' '.repeat(position)}^`;
}

/**
 * Reads the compact string form of a signature:
 *
 * ```
 * signature   := fields? '->' fields
 * fields      := field (',' field)*
 * field       := name '?'? (':' type)? description?
 * type        := base ('[]')* | literal ('|' literal)*
 * base        := string | number | integer | boolean | json   (str, float, int, bool also read)
 * literal     := a quoted string, "..." or '...'
 * description := a quoted string
 * ```
 *
 * A field without a type is a string. Throws a {@link SignatureError} naming the 0-based position
 * of the first character that does not fit.
 */
export function parseSignatureString(source: string): ParsedSignature {
  let at = 0;

  const fail = (message: string, position = at): never => {
    throw new SignatureError({
      code: 'SIGNATURE_INVALID',
      message: `signature: ${message} at position ${position}${caret(source, position)}`,
      source,
      position,
      issues: [{ path: 'signature', message: `${message} at position ${position}`, value: source }],
    });
  };
  const skipSpace = () => {
    while (at < source.length && /\s/.test(source[at] as string)) at++;
  };
  const peek = (text: string) => source.startsWith(text, at);
  const describeHere = () =>
    at >= source.length ? 'the end' : JSON.stringify(source.slice(at, at + 1));

  const readName = (): string => {
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(at));
    if (match === null) fail(`expected a field name, found ${describeHere()}`);
    const name = (match as RegExpExecArray)[0];
    at += name.length;
    return name;
  };

  const readQuoted = (what: string): string => {
    const quote = source[at];
    if (quote !== '"' && quote !== "'") return fail(`expected ${what}, found ${describeHere()}`);
    const start = at;
    at++;
    let out = '';
    while (at < source.length && source[at] !== quote) {
      if (source[at] === '\\' && at + 1 < source.length) {
        out += source[at + 1];
        at += 2;
      } else {
        out += source[at];
        at++;
      }
    }
    if (at >= source.length) fail(`unterminated quoted text (opened with ${quote})`, start);
    at++;
    return out;
  };

  const readType = (): ParsedType => {
    skipSpace();
    if (peek('"') || peek("'")) {
      const values = [readQuoted('a quoted literal')];
      for (skipSpace(); peek('|'); skipSpace()) {
        at++;
        skipSpace();
        const position = at;
        const value = readQuoted('a quoted literal after "|"');
        if (values.includes(value))
          fail(`literal ${JSON.stringify(value)} appears twice`, position);
        values.push(value);
      }
      return { kind: 'enum', values };
    }
    const position = at;
    const match = /^[A-Za-z]+/.exec(source.slice(at));
    if (match === null) return fail(`expected a type, found ${describeHere()}`);
    const word = (match as RegExpExecArray)[0];
    const kind = BASE_TYPES[word.toLowerCase()];
    if (kind === undefined) {
      return fail(
        `unknown type ${JSON.stringify(word)}; use string, number, integer, boolean, json, T[] or 'a' | 'b'`,
        position,
      );
    }
    at += word.length;
    let type: ParsedType = { kind } as ParsedType;
    while (peek('[')) {
      at++;
      if (!peek(']')) fail(`expected "]" to close "["`);
      at++;
      type = { kind: 'array', items: type };
    }
    return type;
  };

  const readField = (seen: Map<string, number>): ParsedField => {
    skipSpace();
    const position = at;
    const name = readName();
    if (RESERVED_FIELD_NAMES.has(name))
      fail(`field name ${JSON.stringify(name)} is reserved`, position);
    if (seen.has(name)) fail(`field ${JSON.stringify(name)} is declared twice`, position);
    seen.set(name, position);
    skipSpace();
    let optional = false;
    if (peek('?')) {
      optional = true;
      at++;
      skipSpace();
    }
    let type: ParsedType = { kind: 'string' };
    if (peek(':')) {
      at++;
      type = readType();
      skipSpace();
    }
    let description = '';
    if (peek('"') || peek("'")) {
      description = readQuoted('a description');
      skipSpace();
    }
    return { name, optional, type, description, position };
  };

  const readFields = (seen: Map<string, number>, until: 'arrow' | 'end'): ParsedField[] => {
    const fields: ParsedField[] = [];
    skipSpace();
    if (until === 'arrow' && peek('->')) return fields;
    for (;;) {
      fields.push(readField(seen));
      if (peek(',')) {
        at++;
        continue;
      }
      if (until === 'arrow' && peek('->')) return fields;
      if (until === 'end' && at >= source.length) return fields;
      return fail(
        `expected "," or ${until === 'arrow' ? '"->"' : 'the end'}, found ${describeHere()}`,
      );
    }
  };

  if (typeof source !== 'string') {
    throw new SignatureError({
      code: 'SIGNATURE_INVALID',
      message: `signature: expected a string like "question -> answer" (got ${typeof source})`,
      source: String(source),
      position: 0,
    });
  }
  const seen = new Map<string, number>();
  if (!source.includes('->'))
    fail('expected "->" between the inputs and the outputs', source.length);
  const inputs = readFields(seen, 'arrow');
  at += 2;
  skipSpace();
  if (at >= source.length) fail('expected at least one output field after "->"');
  const outputs = readFields(seen, 'end');
  return { inputs, outputs };
}
