import { forwardedMeta, isForwardedMetaKey } from './meta';

describe('the _meta forwarding allowlist', () => {
  it.each([
    ['io.modelcontextprotocol/related-task', true],
    ['io.modelcontextprotocol/protocolVersion', false],
    ['io.modelcontextprotocol/clientCapabilities', false],
    ['io.modelcontextprotocol/clientInfo', false],
    ['io.modelcontextprotocol/', false],
    ['progressToken', false],
    ['com.example/trace', false],
    ['secret', false],
    ['IO.MODELCONTEXTPROTOCOL/x', false],
  ])('%s forwarded: %s', (key, forwarded) => {
    expect(isForwardedMetaKey(key)).toBe(forwarded);
  });

  it('keeps only the allowlisted keys, and nothing when none is left', () => {
    expect(forwardedMeta({ progressToken: 7, 'io.modelcontextprotocol/related-task': { taskId: 't1' }, password: 'x' })).toEqual({ 'io.modelcontextprotocol/related-task': { taskId: 't1' } });
    expect(forwardedMeta({ progressToken: 7, 'io.modelcontextprotocol/protocolVersion': '2026-07-28' })).toBeUndefined();
    expect(forwardedMeta(undefined)).toBeUndefined();
  });
});
