/**
 * Sets an own, enumerable property even when `key` is `__proto__`, where plain assignment would
 * replace the record's prototype instead: records keyed by user ids take any id.
 */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__')
    Object.defineProperty(record, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else record[key] = value;
}
