import type {
  Reporter,
  SerializedError,
  TestCase,
  TestModule,
  TestRunEndReason,
  TestSuite,
} from 'vitest/node';

export interface SummaryCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * Counts a finished run the way CI must read it. A failure is any of:
 * - a failed test;
 * - a module or suite with errors of its own (a file that fails to import, a failed
 *   `beforeAll`/`afterAll`), once each;
 * - a test left unrun because such a hook failed (vitest reports it as skipped);
 * - an error outside any test (an unhandled rejection or exception).
 * Tests skipped on purpose (`it.skip`, `it.todo`, filtered out) are skipped. When vitest itself
 * says the run failed or was interrupted and nothing above was found, one failure is counted, so
 * the line can never say `0 failed` for a run that exits non-zero.
 */
export function countRun(
  testModules: ReadonlyArray<TestModule>,
  unhandledErrors: ReadonlyArray<SerializedError>,
  reason: TestRunEndReason,
): SummaryCounts {
  const counts: SummaryCounts = { passed: 0, failed: unhandledErrors.length, skipped: 0 };
  const visit = (node: TestModule | TestSuite, underFailedHook: boolean) => {
    const ownErrors = node.errors().length > 0;
    if (ownErrors) counts.failed += 1;
    const hookFailed = underFailedHook || ownErrors;
    for (const child of node.children) {
      if (child.type === 'test') countTest(child, hookFailed, counts);
      else visit(child, hookFailed);
    }
  };
  for (const module of testModules) visit(module, false);
  if (reason !== 'passed' && counts.failed === 0) counts.failed = 1;
  return counts;
}

function countTest(test: TestCase, underFailedNode: boolean, counts: SummaryCounts) {
  const state = test.result().state;
  if (state === 'passed') counts.passed += 1;
  else if (state === 'failed') counts.failed += 1;
  // A test meant to run that did not, inside a failed suite, was skipped by a failed hook.
  else if (underFailedNode && test.options.mode === 'run') counts.failed += 1;
  else counts.skipped += 1;
}

export function formatSummaryLine({ passed, failed, skipped }: SummaryCounts): string {
  return `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
}

/**
 * Prints `N passed, N failed[, N skipped]` alone on the last line of a run, the form CI reads.
 * See {@link countRun} for what counts as a failure.
 */
export class SummaryLineReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ) {
    const line = formatSummaryLine(countRun(testModules, unhandledErrors, reason));
    // After vitest's own summary, so it is the last line printed.
    process.stdout.write(`\n${line}\n`);
  }
}
