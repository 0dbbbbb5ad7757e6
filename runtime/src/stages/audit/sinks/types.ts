/** What the audit trail hands a sink: one serialized, sealed record. */
export interface AuditEntry {
  readonly seq: number;
  /** Epoch ms (wall clock when sealed; the trail splits batches where the clock went backwards). */
  readonly timestamp: number;
  /** The record as one JSON line (no trailing newline). */
  readonly line: string;
  /** UTF-8 byte length of `line`. */
  readonly bytes: number;
  /** One of the trail's own records (loss notice, audit_refusals, audit_stop), held in the buffer's reserved part. */
  readonly notice?: boolean;
}

/** Batch limits a sink imposes (the trail never builds a batch that breaks them). */
export interface BatchLimits {
  readonly maxEvents: number;
  /** Largest batch: sum of `bytes + overheadBytes` over its entries. */
  readonly maxBytes: number;
  readonly overheadBytes: number;
  /** Largest span between the first and last timestamp of a batch, in ms. */
  readonly maxSpanMs: number;
}

/** Entries a sink accepted but the destination refused for good (CloudWatch `rejectedLogEventsInfo`). */
export interface SendResult {
  readonly rejected?: readonly AuditEntry[];
}

/**
 * Where sealed records go. `send` delivers one batch, in order, and throws if it was not accepted (the trail keeps
 * the batch and retries with backoff, so a sink never drops on failure). Sends never overlap.
 */
export interface AuditSink {
  readonly name: 'stdout' | 'cloudwatch' | 'none';
  readonly limits: BatchLimits;
  /** Synchronous sinks (stdout) deliver each record as it is accepted, when nothing is waiting before it. */
  readonly synchronous: boolean;
  /** Prepares the destination (e.g. CreateLogStream). Failure is not fatal: `send` prepares again. */
  start?(): Promise<void>;
  send(batch: readonly AuditEntry[]): Promise<SendResult | void> | SendResult | void;
  /** Where records land, for logs and stats (e.g. `logs://<group>/<stream>`). */
  readonly destination: string;
}
