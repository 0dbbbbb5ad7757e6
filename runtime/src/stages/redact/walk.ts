/**
 * A copy of a JSON value with every string (object keys included) passed through a function. Used on results and
 * logs so that every text an MCP result can carry is covered (content text, structuredContent, embedded resources,
 * resource contents, prompt messages, _meta) without listing them: a new content type is covered by default.
 * Base64 binary payloads (`blob`, and `data` of image/audio content) are left as they are.
 */
export interface StringMapper {
  (s: string): string;
}

const BINARY_DATA_TYPES = new Set(['image', 'audio']);

function isBinaryField(obj: Record<string, unknown>, key: string): boolean {
  if (typeof obj[key] !== 'string') return false;
  if (key === 'blob') return true;
  return key === 'data' && typeof obj.type === 'string' && BINARY_DATA_TYPES.has(obj.type);
}

function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/**
 * `mapString` is applied to string values and keys; `mapNumber` (optional) to numbers, and may return a string.
 * Two keys mapped to the same text stay distinct (`#2`, `#3` ... suffixes). Throws on values that are not JSON
 * (functions, cycles cause a RangeError): callers fail closed.
 */
export function mapJsonStrings(value: unknown, mapString: StringMapper, mapNumber?: (n: number) => unknown): unknown {
  if (typeof value === 'string') return mapString(value);
  if (typeof value === 'number') return mapNumber ? mapNumber(value) : value;
  if (value === null || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((v) => mapJsonStrings(v, mapString, mapNumber));
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(obj)) {
      const v = obj[key];
      if (v === undefined) continue;
      let k = mapString(key);
      if (Object.prototype.hasOwnProperty.call(out, k)) {
        let n = 2;
        while (Object.prototype.hasOwnProperty.call(out, `${k}#${n}`)) n++;
        k = `${k}#${n}`;
      }
      setOwn(out, k, isBinaryField(obj, key) ? v : mapJsonStrings(v, mapString, mapNumber));
    }
    return out;
  }
  throw new TypeError(`not a JSON value: ${typeof value}`);
}
