/** A fresh database name per test suite, so suites run side by side on one server. */
export function uniqueDatabaseName(prefix = "ferry_test"): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
