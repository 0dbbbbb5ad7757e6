/**
 * From source (tests, `check` run through tsx) there is no cedar_wasm_bg.wasm beside this module and cedar-wasm's
 * loader is not patched: nothing is compiled ahead and cedar-wasm loads its own module. The bundle's path (compiled
 * ahead, taken by the patched loader) is checked on the real bundle in test/e2e/errors.test.ts.
 */
import { cedarCompiledAhead, cedarModuleSource, cedarWasm, compileCedarAhead, takeCedarModule } from './cedar-wasm';

test('from source: nothing is compiled ahead, and cedar-wasm loads its module itself', async () => {
  expect(cedarModuleSource()).toBe('not loaded');
  compileCedarAhead();
  await cedarCompiledAhead();
  expect(takeCedarModule()).toBeUndefined();
  expect(cedarWasm().getCedarVersion()).toMatch(/^\d+\.\d+/);
  expect(cedarModuleSource()).toBe('loader');
});
