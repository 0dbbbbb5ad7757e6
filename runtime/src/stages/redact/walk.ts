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

/** Two keys of one object mapped to the same text stay distinct: `#2`, `#3` ... suffixes. */
export function distinctKey(k: string, taken: (k: string) => boolean): string {
  if (!taken(k)) return k;
  let n = 2;
  while (taken(`${k}#${n}`)) n++;
  return `${k}#${n}`;
}

/**
 * `mapString` is applied to string values, `mapKey` (default: `mapString`) to object keys, `mapNumber` (optional) to
 * numbers. Two keys mapped to the same text stay distinct (see `distinctKey`). Throws on values that are not JSON
 * (functions, cycles cause a RangeError): callers fail closed.
 */
export function mapJsonStrings(value: unknown, mapString: StringMapper, mapNumber?: (n: number) => unknown, mapKey: StringMapper = mapString): unknown {
  if (typeof value === 'string') return mapString(value);
  if (typeof value === 'number') return mapNumber ? mapNumber(value) : value;
  if (value === null || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((v) => mapJsonStrings(v, mapString, mapNumber, mapKey));
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(obj)) {
      const v = obj[key];
      if (v === undefined) continue;
      const k = distinctKey(mapKey(key), (c) => Object.prototype.hasOwnProperty.call(out, c));
      setOwn(out, k, isBinaryField(obj, key) ? v : mapJsonStrings(v, mapString, mapNumber, mapKey));
    }
    return out;
  }
  throw new TypeError(`not a JSON value: ${typeof value}`);
}
