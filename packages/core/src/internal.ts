/**
 * `@varplane/core/internal`: helpers that varplane's own packages share, so they validate and word
 * their errors alike. Not part of the public API: no stability promise, and not for users (the
 * public entry point `@varplane/core` is what users are meant to call).
 */
export { describeValue, formatIssues, readField } from './errors';
export { toErrorInfo } from './events';
export { guardInput } from './internal/guard';
export { idRecord } from './internal/id-record';
export type { CodeFor, ErrorFactory, ParseOptions } from './internal/parse';
export { parseOrThrow, toIssues } from './internal/parse';
