/**
 * Operational logging (not the audit trail): one JSON line per event on stderr.
 * Every line passes through the scrubber (the redaction stage's detectors) before it is written, so no secret,
 * token or raw PII reaches a log even if a caller of `log` slips.
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

let scrubber: Scrubber = (t) => t;
/** Installed once at start-up, after the redaction detectors are compiled. */
export function setLogScrubber(fn: Scrubber): void {
  scrubber = fn;
}

export function createLogger(component: string, opts: { level?: LogLevel; write?: (line: string) => void } = {}): Logger {
  const min = ORDER[opts.level ?? ((process.env.MCP_PROXY_LOG_LEVEL as LogLevel) || 'info')] ?? ORDER.info;
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    let line: string;
    try {
      line = JSON.stringify({ time: new Date().toISOString(), level, component, msg, ...fields });
    } catch {
      line = JSON.stringify({ time: new Date().toISOString(), level, component, msg, fields: '[unserializable]' });
    }
    write(scrubber(line));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}
