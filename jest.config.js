/** One runner for construct tests (test/) and runtime tests (runtime/src/**, beside each module). */
const esmPackages = ['jose', '@modelcontextprotocol', 'pkce-challenge', 're2js', 'oauth2-mock-server', 'is-plain-obj', 'fast-check', 'eventsource-parser'];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/runtime/src'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j|mj|cj)s$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  // Open-handle probe, off unless LEAK_PROBE_DIR is set (see the file).
  setupFilesAfterEnv: ['<rootDir>/test/support/leak-probe.ts'],
  testTimeout: 60000,
  maxWorkers: 2,
  // How long a worker may take to exit after its last file before jest kills it and prints "A worker process has
  // failed to exit gracefully" (default 500 ms). Measured 2026-12-04 with test/support/leak-probe.ts and strace on a
  // loaded host: both workers had no ref'd handle left and emitted 'exit' 4-12 ms after jest's end message, yet were
  // still tearing down their ~1 GB heaps when the 500 ms SIGTERM came. A real leak never exits, so it still warns.
  workerGracefulExitTimeout: 5000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
