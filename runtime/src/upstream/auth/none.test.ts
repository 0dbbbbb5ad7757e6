import { createUpstreamAuthenticator } from './index';

describe('none', () => {
  it('adds nothing, removes every inbound credential, and never asks for a retry', async () => {
    const auth = createUpstreamAuthenticator('open', { type: 'none' });
    const headers = new Headers({
      authorization: 'Bearer caller',
      'proxy-authorization': 'Basic x',
      cookie: 'session=caller',
      workloadaccesstoken: 'wat',
      'mcp-protocol-version': '2025-06-18',
    });
    await auth.authorize({ url: new URL('http://127.0.0.1/mcp'), method: 'POST', headers, body: '{}' }, { workloadAccessToken: 'wat' });
    const left: string[] = [];
    headers.forEach((_v, k) => left.push(k));
    expect(left).toEqual(['mcp-protocol-version']);
    expect(auth.kind).toBe('none');
    expect(auth.invalidate()).toBe(false);
  });
});
