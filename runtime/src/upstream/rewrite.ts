/**
 * Resource URIs in results are exposed the same way as listed resources (see naming.ts): when an upstream is
 * namespaced, `uri` fields of `resources/read` contents, and of `resource_link` / embedded `resource` items in tool
 * results and prompt messages, get the upstream's prefix so the caller can read them back through the proxy.
 * Results are copied, never mutated. Nothing else is touched.
 */
import type { JsonResult } from '../pipeline/context';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function prefixUri(o: Obj, prefix: string): Obj {
  return typeof o.uri === 'string' ? { ...o, uri: prefix + o.uri } : o;
}

function rewriteContent(item: unknown, prefix: string): unknown {
  if (!isObj(item)) return item;
  if (item.type === 'resource_link') return prefixUri(item, prefix);
  if (item.type === 'resource' && isObj(item.resource)) return { ...item, resource: prefixUri(item.resource, prefix) };
  return item;
}

export function exposeResultUris(method: string, result: JsonResult, prefix: string): JsonResult {
  if (prefix === '') return result;
  if (method === 'resources/read' && Array.isArray(result.contents)) {
    return { ...result, contents: result.contents.map((c) => (isObj(c) ? prefixUri(c, prefix) : c)) };
  }
  if (method === 'tools/call' && Array.isArray(result.content)) {
    return { ...result, content: result.content.map((c) => rewriteContent(c, prefix)) };
  }
  if (method === 'prompts/get' && Array.isArray(result.messages)) {
    return {
      ...result,
      messages: result.messages.map((m) => (isObj(m) && isObj(m.content) ? { ...m, content: rewriteContent(m.content, prefix) } : m)),
    };
  }
  return result;
}
