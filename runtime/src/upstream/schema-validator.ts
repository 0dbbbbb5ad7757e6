/**
 * The proxy never validates tool output against outputSchema itself (it forwards results as the upstream sent them, and
 * uses `Client.request`, not `Client.callTool`), so the SDK's default Ajv validator is replaced by a no-op: this keeps
 * Ajv out of the bundle path that matters and avoids compiling schemas on the hot path.
 */
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';

export const noopJsonSchemaValidator: jsonSchemaValidator = {
  getValidator: () => (input: unknown) => ({ valid: true, data: input, errorMessage: undefined }) as never,
};
