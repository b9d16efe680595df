type JsonSchema = Readonly<Record<string, unknown>>;

const isSchema = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A short reading of a field's JSON Schema for the prompt: `string`, `array of number`,
 * `one of: "yes", "no"`. zod's `z.json()` (a recursive `anyOf`) reads as `any JSON value`.
 */
export function typeHint(schema: unknown): string {
  if (!isSchema(schema)) return 'any JSON value';
  if (Array.isArray(schema.enum)) {
    return `one of: ${schema.enum.map((value) => JSON.stringify(value)).join(', ')}`;
  }
  if ('const' in schema) return `exactly ${JSON.stringify(schema.const)}`;
  if (Array.isArray(schema.anyOf)) {
    if (schema.anyOf.some((part) => isSchema(part) && JSON.stringify(part).includes('$ref'))) {
      return 'any JSON value';
    }
    return schema.anyOf.map(typeHint).join(' or ');
  }
  switch (schema.type) {
    case 'string':
    case 'number':
    case 'integer':
    case 'boolean':
    case 'null':
      return schema.type;
    case 'array':
      return isSchema(schema.items) ? `array of ${typeHint(schema.items)}` : 'array';
    case 'object': {
      const keys = isSchema(schema.properties) ? Object.keys(schema.properties) : [];
      return keys.length === 0 ? 'object' : `object with keys ${keys.join(', ')}`;
    }
    default:
      return 'any JSON value';
  }
}

/** Whether a field holds text, read verbatim from a field marker, rather than JSON. */
export function isTextSchema(schema: unknown): boolean {
  return isSchema(schema) && schema.type === 'string';
}
