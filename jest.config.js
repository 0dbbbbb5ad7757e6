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
  testTimeout: 60000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
