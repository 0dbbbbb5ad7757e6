/**
 * Evidence that the configuration measured as "full pipeline" really governs: before its figures count, the proxy
 * must refuse a call without a token, hide and refuse the tool the policy does not permit, tokenize the email in the
 * echo arguments, and redact PII in a result. Each check is recorded in the report.
 */
import { SMALL_CALL } from '../scenarios.mjs';
import { modernHeaders, modernToolsCallBody, modernToolsListBody, post, toolsCallBody, toolsListBody } from '../lib/load.mjs';

/** The JSON-RPC message in a response body (JSON, or the first SSE data line). */
export function parseRpc(text) {
  const t = text.trimStart();
  const json = t.startsWith('{') ? t : (/^data: (.*)$/m.exec(t)?.[1] ?? '');
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

const resultText = (msg) => (msg?.result?.content ?? []).map((c) => c.text ?? '').join('');

export async function governanceChecks(target) {
  const checks = [];
  const add = (check, ok, detail) => checks.push({ check, ok: Boolean(ok), detail });
  // A target measured with a 2026-07-28 caller is checked as such a caller too.
  const modern = target.def?.era === 'modern';
  const auth = { authorization: target.headers.authorization };
  const call = (name, args, headers) =>
    modern ? post(target.url, modernToolsCallBody(name, args), { ...headers, ...modernHeaders(name) }, 10_000) : post(target.url, toolsCallBody(name, args), headers, 10_000);
  try {
    const anon = parseRpc((await call(SMALL_CALL.name, SMALL_CALL.arguments, {})).text);
    add('call without a token is refused', anon?.error, anon?.error ? `error ${anon.error.code}` : 'answered a result');

    const list = parseRpc((await (modern ? post(target.url, modernToolsListBody(), { ...auth, ...modernHeaders(undefined, 'tools/list') }, 10_000) : post(target.url, toolsListBody(), auth, 10_000))).text);
    const names = (list?.result?.tools ?? []).map((t) => t.name);
    add('tools/list shows only permitted tools (echo, blob of 3)', names.length === 2 && names.includes('echo') && names.includes('blob'), `visible: ${names.join(', ') || 'none'}`);

    const hidden = parseRpc((await call('tool_00002', {}, auth)).text);
    add('call to a tool the policy does not permit is refused', hidden?.error, hidden?.error ? `error ${hidden.error.code}` : 'answered a result');

    const echo = parseRpc((await call(SMALL_CALL.name, SMALL_CALL.arguments, auth)).text);
    const echoed = resultText(echo);
    add('email in the arguments is tokenized (the upstream never sees it)', echo?.result && !echoed.includes('jane.doe@example.com'), echoed.replace(/\s+/g, ' ').slice(0, 120));

    const blob = parseRpc((await call('blob', { bytes: 1024 }, auth)).text);
    const text = resultText(blob);
    add('PII in a result is redacted', blob?.result && !text.includes('jane.doe@example.com') && !text.includes('4111 1111 1111 1111'), text.replace(/\s+/g, ' ').slice(0, 120));
  } catch (e) {
    add('checks completed', false, e.message.split('\n')[0]);
  }
  return checks;
}
