// Ends every Jest run with one plain "N passed, N failed, N skipped" line that CI can read. It is
// written on exit so it comes after Jest's own summary, whatever order reporters finish in.
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = results;
    const line = `jest: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped`;
    process.once('exit', () => process.stderr.write(`\n${line}\n`));
  }
}
