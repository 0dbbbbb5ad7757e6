/** JSON-RPC classification of inbound messages (table-driven). */
import { classify } from './jsonrpc';

describe('classify', () => {
  test.each([
    [{ jsonrpc: '2.0', id: 1, method: 'ping' }, 'request'],
    [{ jsonrpc: '2.0', id: 'x', method: 'tools/call', params: {} }, 'request'],
    [{ jsonrpc: '2.0', method: 'notifications/initialized' }, 'notification'],
    [{ jsonrpc: '2.0', id: 'relay-1', result: {} }, 'response'],
    [{ jsonrpc: '2.0', id: 3, error: { code: 1, message: 'x' } }, 'response'],
    [{ jsonrpc: '1.0', id: 1, method: 'ping' }, 'invalid'],
    [{ jsonrpc: '2.0', id: 1, method: '' }, 'invalid'],
    [{ jsonrpc: '2.0', id: null, method: 'ping' }, 'invalid'],
    [{ jsonrpc: '2.0', id: 1, method: 'x', params: 'nope' }, 'invalid'],
    [{ jsonrpc: '2.0', id: 1 }, 'invalid'],
    [[{ jsonrpc: '2.0', id: 1, method: 'ping' }], 'invalid'],
    ['text', 'invalid'],
    [null, 'invalid'],
  ])('%j -> %s', (doc, type) => {
    expect(classify(doc).type).toBe(type);
  });

  test('an invalid request keeps its id when it has a usable one', () => {
    expect(classify({ jsonrpc: '1.0', id: 9, method: 'ping' })).toMatchObject({ type: 'invalid', id: 9 });
  });
});
