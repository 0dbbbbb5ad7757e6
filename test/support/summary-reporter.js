/**
 * Jest reporter that ends every run with one plain line, "tests: N passed, N failed, N skipped",
 * which CI reads as the runner's summary.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failedSuites = results.numFailedTestSuites + results.numRuntimeErrorTestSuites;
    // A suite that fails to load has no failed *tests*; count it so the line never reads "0 failed" on a broken run.
    const failed = results.numFailedTests + (results.numFailedTests === 0 ? failedSuites : 0);
    process.stdout.write(`\ntests: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
module.exports = SummaryReporter;
