/** protocol.ts mirrors the SDK's protocol constants (without loading the SDK's schemas at run time) and sorts messages. */
import * as sdk from '@modelcontextprotocol/sdk/types.js';
import { classifyMessage, LATEST_PROTOCOL_VERSION, RpcError, SUPPORTED_PROTOCOL_VERSIONS } from './protocol';

test('protocol versions match the SDK the proxy is tested with', () => {
  expect(LATEST_PROTOCOL_VERSION).toBe(sdk.LATEST_PROTOCOL_VERSION);
  expect([...SUPPORTED_PROTOCOL_VERSIONS]).toEqual([...sdk.SUPPORTED_PROTOCOL_VERSIONS]);
});

describe('classifyMessage', () => {
  test('results, errors, requests and notifications', () => {
    expect(classifyMessage({ jsonrpc: '2.0', id: 1, result: { a: 1 } })).toEqual({ kind: 'result', id: 1, result: { a: 1 } });
    const err = classifyMessage({ jsonrpc: '2.0', id: 'x', error: { code: -32002, message: 'gone', data: { uri: 'u' } } });
    expect(err?.kind).toBe('error');
    expect(err?.kind === 'error' && err.error).toEqual(expect.objectContaining({ code: -32002, message: 'gone', data: { uri: 'u' } }));
    expect(err?.kind === 'error' && err.error).toBeInstanceOf(RpcError);
    expect(classifyMessage({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } })?.kind).toBe('error');
    expect(classifyMessage({ jsonrpc: '2.0', id: 7, method: 'sampling/createMessage', params: {} })).toEqual({
      kind: 'request',
      id: 7,
      method: 'sampling/createMessage',
      params: {},
    });
    expect(classifyMessage({ jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } })?.kind).toBe('notification');
  });

  test.each([
    ['not an object', 'text'],
    ['an array', [1]],
    ['no jsonrpc', { id: 1, result: {} }],
    ['jsonrpc 1.0', { jsonrpc: '1.0', id: 1, result: {} }],
    ['a result that is not an object', { jsonrpc: '2.0', id: 1, result: 3 }],
    ['a result without id', { jsonrpc: '2.0', result: {} }],
    ['an error without code', { jsonrpc: '2.0', id: 1, error: { message: 'x' } }],
    ['a fractional error code', { jsonrpc: '2.0', id: 1, error: { code: 1.5, message: 'x' } }],
    ['params that are an array', { jsonrpc: '2.0', method: 'm', params: [] }],
    ['an object id', { jsonrpc: '2.0', id: {}, method: 'm' }],
    ['neither result, error nor method', { jsonrpc: '2.0', id: 1 }],
  ])('not a JSON-RPC message: %s', (_label, value) => {
    expect(classifyMessage(value)).toBeUndefined();
  });
});
