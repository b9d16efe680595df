import { describeValue } from '@varplane/core/internal';
import { z } from 'zod';
import { SignatureError } from './errors';
import { invalidArgument, readable } from './internal/parse-options';
import {
  type ParsedField,
  type ParsedType,
  parseSignatureString,
  RESERVED_FIELD_NAMES,
} from './internal/parse-signature';
import { isTextSchema, typeHint } from './internal/type-hint';

/** One input or output field of a signature. */
export interface SignatureField {
  readonly name: string;
  /** `''` when the field has none. */
  readonly description: string;
  readonly optional: boolean;
  /** How the prompt names the type: `string`, `array of number`, `one of: "yes", "no"`. */
  readonly typeHint: string;
  /** Text fields are read verbatim from field markers; other fields are read as JSON. */
  readonly isText: boolean;
  readonly schema: z.ZodType;
  readonly jsonSchema: Readonly<Record<string, unknown>>;
}

/**
 * What a predictor takes in and gives out: zod schemas for the inputs and outputs, field
 * descriptions, and instructions. Inputs are validated before a call and outputs after it.
 * `I` is what callers pass, `O` what they get back.
 */
export interface Signature<I = Record<string, unknown>, O = Record<string, unknown>> {
  readonly instructions: string;
  readonly inputSchema: z.ZodObject;
  readonly outputSchema: z.ZodObject;
  readonly inputFields: readonly SignatureField[];
  readonly outputFields: readonly SignatureField[];
  /** The JSON Schema of the outputs, for providers with structured output. */
  readonly outputJsonSchema: Readonly<Record<string, unknown>>;
  /** The compact form, `question, context -> answer`. */
  readonly text: string;
  /** Type carriers only; always undefined at run time. */
  readonly types?: { readonly input: I; readonly output: O };
}

/** Options of the string form of {@link signature}. */
export interface SignatureOptions {
  /** What the model is asked to do. Default: `Given the fields ..., produce the fields ...`. */
  readonly instructions?: string;
}

/** The zod form of {@link signature}. */
export interface SignatureDefinition<I extends z.ZodObject, O extends z.ZodObject> {
  readonly inputs: I;
  readonly outputs: O;
  readonly instructions?: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// Every signature this package made: a lookup that no Proxy trap or getter can intercept.
const MADE = new WeakSet<object>();

/** Whether a value is a signature made by {@link signature} (or derived from one). */
export function isSignature(value: unknown): value is Signature {
  return typeof value === 'object' && value !== null && MADE.has(value);
}

/** The signature, or an `INVALID_ARGUMENT` error naming `path`. */
export function checkSignature<I, O>(
  subject: string,
  path: string,
  value: unknown,
): Signature<I, O> {
  if (isSignature(value)) return value as Signature<I, O>;
  return invalidArgument(subject, path, 'must be a Signature (made by signature())', value);
}

function registered<I, O>(sig: Signature<I, O>): Signature<I, O> {
  MADE.add(sig);
  return sig;
}

function schemaFor(type: ParsedType): z.ZodType {
  switch (type.kind) {
    case 'string':
      return z.string();
    case 'number':
      return z.number();
    case 'integer':
      return z.int();
    case 'boolean':
      return z.boolean();
    case 'json':
      return z.json();
    case 'array':
      return z.array(schemaFor(type.items));
    case 'enum':
      return z.enum(type.values as [string, ...string[]]);
  }
}

function objectFor(fields: readonly ParsedField[]): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const field of fields) {
    let schema = schemaFor(field.type);
    if (field.description !== '') schema = schema.describe(field.description);
    shape[field.name] = field.optional ? schema.optional() : schema;
  }
  return z.object(shape);
}

function isZodObject(value: unknown): value is z.ZodObject {
  try {
    return value instanceof z.ZodObject;
  } catch {
    // A Proxy whose getPrototypeOf trap throws is no schema.
    return false;
  }
}

function isZodType(value: unknown): value is z.ZodType {
  try {
    return value instanceof z.ZodType;
  } catch {
    return false;
  }
}

function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return rest;
}

function fieldsOf(
  object: z.ZodObject,
  side: 'inputs' | 'outputs',
  source: string,
): SignatureField[] {
  return Object.entries(object.shape).map(([name, schema]) => {
    if (!NAME.test(name) || RESERVED_FIELD_NAMES.has(name)) {
      throw new SignatureError({
        code: 'SIGNATURE_INVALID',
        message: `signature: ${side}.${name} is not a usable field name; names are identifiers (letters, digits, _) other than ${[...RESERVED_FIELD_NAMES].join(', ')} (got ${describeValue(name)})`,
        source,
        position: 0,
        issues: [{ path: `${side}.${name}`, message: 'is not a usable field name', value: name }],
      });
    }
    const field = schema as z.ZodType;
    const jsonSchema = jsonSchemaOf(field);
    const description =
      field.description ??
      (typeof jsonSchema.description === 'string' ? jsonSchema.description : '');
    return Object.freeze({
      name,
      description,
      optional: field.safeParse(undefined).success,
      typeHint: typeHint(jsonSchema),
      isText: isTextSchema(jsonSchema),
      schema: field,
      jsonSchema,
    });
  });
}

function defaultInstructions(
  inputs: readonly SignatureField[],
  outputs: readonly SignatureField[],
) {
  const names = (fields: readonly SignatureField[]) =>
    fields.map((f) => `\`${f.name}\``).join(', ');
  return inputs.length === 0
    ? `Produce the fields ${names(outputs)}.`
    : `Given the fields ${names(inputs)}, produce the fields ${names(outputs)}.`;
}

function build<I, O>(
  inputSchema: z.ZodObject,
  outputSchema: z.ZodObject,
  instructions: string | undefined,
  source: string,
): Signature<I, O> {
  const inputFields = fieldsOf(inputSchema, 'inputs', source);
  const outputFields = fieldsOf(outputSchema, 'outputs', source);
  if (outputFields.length === 0) {
    throw new SignatureError({
      code: 'SIGNATURE_INVALID',
      message: 'signature: outputs must declare at least one field',
      source,
      position: source.length,
      issues: [{ path: 'outputs', message: 'must declare at least one field' }],
    });
  }
  const clash = outputFields.find((out) => inputFields.some((input) => input.name === out.name));
  if (clash !== undefined) {
    throw new SignatureError({
      code: 'SIGNATURE_INVALID',
      message: `signature: field ${JSON.stringify(clash.name)} is both an input and an output`,
      source,
      position: Math.max(0, source.lastIndexOf(clash.name)),
      issues: [{ path: `outputs.${clash.name}`, message: 'is also an input', value: clash.name }],
    });
  }
  const text = `${inputFields.map((f) => f.name).join(', ')} -> ${outputFields.map((f) => f.name).join(', ')}`;
  return registered<I, O>(
    Object.freeze({
      instructions: instructions ?? defaultInstructions(inputFields, outputFields),
      inputSchema,
      outputSchema,
      inputFields: Object.freeze(inputFields),
      outputFields: Object.freeze(outputFields),
      outputJsonSchema: Object.freeze(jsonSchemaOf(outputSchema)),
      text: text.trimStart(),
    }),
  );
}

function checkInstructions(instructions: unknown, source: string): string | undefined {
  if (instructions === undefined || typeof instructions === 'string') return instructions;
  throw new SignatureError({
    code: 'SIGNATURE_INVALID',
    message: `signature: instructions must be a string (got ${describeValue(instructions)})`,
    source,
    position: 0,
    issues: [{ path: 'instructions', message: 'must be a string', value: instructions }],
  });
}

/**
 * Declares what a predictor takes in and gives out, from zod schemas or from the compact string
 * form (`name?: type "description"`, fields separated by commas, inputs and outputs by `->`).
 * Types are `string` (the default), `number`, `integer`, `boolean`, `json`, arrays `T[]`, and
 * literal unions `'yes' | 'no'`. A bad string throws a {@link SignatureError} with the position.
 *
 * @example
 * const qa = signature('question: string, context?: string[] -> answer: string, confidence: number');
 * const typed = signature({
 *   inputs: z.object({ question: z.string().describe('what the user asked') }),
 *   outputs: z.object({ answer: z.string() }),
 *   instructions: 'Answer in one sentence.',
 * });
 */
export function signature<I extends z.ZodObject, O extends z.ZodObject>(
  definition: SignatureDefinition<I, O>,
): Signature<z.input<I>, z.output<O>>;
export function signature(source: string, options?: SignatureOptions): Signature;
export function signature(
  definition: string | SignatureDefinition<z.ZodObject, z.ZodObject>,
  options: SignatureOptions = {},
): Signature {
  if (typeof definition === 'string') {
    const parsed = parseSignatureString(definition);
    const instructions = checkInstructions(
      readMember(options, 'instructions', 'options', definition),
      definition,
    );
    return build(objectFor(parsed.inputs), objectFor(parsed.outputs), instructions, definition);
  }
  if (typeof definition !== 'object' || definition === null) {
    throw new SignatureError({
      code: 'SIGNATURE_INVALID',
      message: `signature: expected a string like "question -> answer" or { inputs, outputs } zod objects (got ${describeValue(definition)})`,
      source: '',
      position: 0,
      issues: [{ path: '', message: 'must be a string or a definition', value: definition }],
    });
  }
  const sides = {
    inputs: readMember(definition, 'inputs', 'definition', ''),
    outputs: readMember(definition, 'outputs', 'definition', ''),
  };
  for (const side of ['inputs', 'outputs'] as const) {
    if (!isZodObject(sides[side])) {
      throw new SignatureError({
        code: 'SIGNATURE_INVALID',
        message: `signature: ${side} must be a zod object schema (got ${describeValue(sides[side])})`,
        source: '',
        position: 0,
        issues: [{ path: side, message: 'must be a zod object schema', value: sides[side] }],
      });
    }
  }
  const instructions = checkInstructions(
    readMember(definition, 'instructions', 'definition', ''),
    '',
  );
  return build(sides.inputs as z.ZodObject, sides.outputs as z.ZodObject, instructions, '');
}

// One member of a caller's object; a Proxy or a throwing getter is a SIGNATURE_INVALID.
function readMember(value: unknown, key: string, path: string, source: string): unknown {
  try {
    return value === undefined || value === null
      ? undefined
      : (value as Record<string, unknown>)[key];
  } catch (cause) {
    throw new SignatureError({
      code: 'SIGNATURE_INVALID',
      message: `signature: ${path}.${key} could not be read (${readable(cause)})`,
      source,
      position: 0,
      issues: [{ path: `${path}.${key}`, message: 'could not be read' }],
      cause,
    });
  }
}

/** The same signature with other instructions. */
export function withInstructions<I, O>(
  sig: Signature<I, O>,
  instructions: string,
): Signature<I, O> {
  const given = checkSignature<I, O>('withInstructions', 'sig', sig);
  const checked = checkInstructions(instructions, given.text) ?? given.instructions;
  return registered(Object.freeze({ ...given, instructions: checked }));
}

/**
 * The same signature with one more output field placed first (as `ChainOfThought` places
 * `reasoning` before the answer, so the model reasons before it commits).
 */
export function prependOutputField<I, O, K extends string, T>(
  sig: Signature<I, O>,
  name: K,
  schema: z.ZodType<T>,
): Signature<I, { [P in K]: T } & O> {
  checkSignature('prependOutputField', 'sig', sig);
  if (typeof name !== 'string' || !NAME.test(name) || RESERVED_FIELD_NAMES.has(name))
    invalidArgument('prependOutputField', 'name', 'must be a field name (an identifier)', name);
  if (!isZodType(schema))
    invalidArgument('prependOutputField', 'schema', 'must be a zod schema', schema);
  if (Object.hasOwn(sig.outputSchema.shape, name) || Object.hasOwn(sig.inputSchema.shape, name)) {
    throw new SignatureError({
      code: 'SIGNATURE_INVALID',
      message: `signature: field ${JSON.stringify(name)} already exists in ${JSON.stringify(sig.text)}`,
      source: sig.text,
      position: Math.max(0, sig.text.indexOf(name)),
      issues: [{ path: `outputs.${name}`, message: 'already exists', value: name }],
    });
  }
  const outputs = z.object({ [name]: schema, ...sig.outputSchema.shape });
  return build(sig.inputSchema, outputs, sig.instructions, sig.text);
}
