/** v8-flags.ts sets its V8 flags as soon as it is imported (main.ts imports it first, before cedar-wasm compiles). */
const setFlagsFromString = jest.fn();
jest.mock('node:v8', () => ({ setFlagsFromString }));

test('importing v8-flags sets every flag it lists, once each, in order', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PROXY_V8_FLAGS } = require('./v8-flags') as typeof import('./v8-flags');
  expect(PROXY_V8_FLAGS).toEqual(expect.arrayContaining(['--no-turbo-inline-js-wasm-calls', '--liftoff-only']));
  expect(setFlagsFromString.mock.calls.map((c) => c[0])).toEqual([...PROXY_V8_FLAGS]);
});

test('main.ts imports v8-flags before anything else', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const src = (require('node:fs') as typeof import('node:fs')).readFileSync(require.resolve('./main'), 'utf8');
  const firstImport = src.split('\n').find((l) => l.startsWith('import '));
  expect(firstImport).toBe("import './v8-flags';");
});
