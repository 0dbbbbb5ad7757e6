/**
 * Operational logging (not the audit trail): one JSON line per event on stderr.
 * Every line passes through the scrubber (the redaction stage's detectors) before it is written, so no secret,
 * token or raw PII reaches a log even if a caller of `log` slips. The one exception is a field the proxy marks as its
 * own setting with `setting(value)` (the address it listens on, the configured issuer): such a value comes from the
 * proxy's configuration or its own runtime, never from a caller or an upstream, and an operator needs to read it
 * (`"host":"127.0.0.1"`, not `"host":"[REDACTED:IP_ADDRESS]"`). Everything else on the line is scrubbed as before.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export type Scrubber = (text: string) => string;

/** A log field value from the proxy's own configuration or runtime, written unscrubbed. See `setting`. */
export class Setting {
  constructor(readonly value: string | number | boolean) {}
  toJSON(): string | number | boolean {
    return this.value;
  }
}

/**
 * Marks a log field as one of the proxy's own settings (listening address, configured issuer, ...): the scrubber leaves
 * it as it is. Never wrap a value that came from a caller, a token, or an upstream: those must stay scrubbed.
 */
export function setting(value: string | number | boolean): Setting {
  return new Setting(value);
}

let scrubber: Scrubber = (t) => t;
/** Installed once at start-up, after the redaction detectors are compiled. */
export function setLogScrubber(fn: Scrubber): void {
  scrubber = fn;
}

/** The scrubbed line, with the proxy's own settings put back verbatim (they are kept out of the scrubber's input). */
function scrubbedLine(head: Record<string, unknown>, fields: Record<string, unknown> | undefined): string {
  let settings: Record<string, unknown> | undefined;
  let data = fields;
  if (fields) {
    for (const [k, v] of Object.entries(fields)) {
      if (!(v instanceof Setting)) continue;
      settings ??= {};
      settings[k] = v.value;
    }
    if (settings) data = Object.fromEntries(Object.entries(fields).filter(([, v]) => !(v instanceof Setting)));
  }
  let line: string;
  try {
    line = JSON.stringify({ ...head, ...data });
  } catch {
    line = JSON.stringify({ ...head, fields: '[unserializable]' });
  }
  const scrubbed = scrubber(line);
  if (!settings) return scrubbed;
  try {
    return JSON.stringify({ ...(JSON.parse(scrubbed) as Record<string, unknown>), ...settings });
  } catch {
    return scrubbed; // the scrubber replaced the line by a notice that is not JSON: keep the notice
  }
}

export function createLogger(component: string, opts: { level?: LogLevel; write?: (line: string) => void } = {}): Logger {
  const min = ORDER[opts.level ?? ((process.env.MCP_PROXY_LOG_LEVEL as LogLevel) || 'info')] ?? ORDER.info;
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    write(scrubbedLine({ time: new Date().toISOString(), level, component, msg }, fields));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}
