/**
 * The proxy's Cedar schema, embedded so the bundle needs no file at run time.
 * Source of truth: schema/mcp.cedarschema (a test asserts the two are identical; update both together).
 */
export const CEDAR_NAMESPACE = 'McpProxy';

export const CEDAR_SCHEMA = `// Cedar schema of the MCP governance proxy (namespace McpProxy).
// The runtime embeds a copy (runtime/src/stages/access-control/cedar-schema.ts); a test keeps the two identical.
// Every policy (typed rules compiled by the proxy, and raw Cedar) is validated against it in strict mode.
// See docs/ACCESS-CONTROL.md for how requests map onto it.
namespace McpProxy {
  // The caller. The entity id is typed: "subject:<sub>" for a token naming a subject other than its client,
  // "client:<client_id>" for a client acting for itself (no sub, or sub = client id); "iam" or "anonymous" for those modes.
  // Tags: the claims the identity configuration names, each as a set of strings (numbers and booleans as text):
  //   principal.hasTag("department") && principal.getTag("department").contains("finance")
  entity Caller {
    kind: String,          // "jwt" | "iam" | "anonymous"
    sub?: String,
    clientId?: String,
    username?: String,
    issuer?: String,
    groups: Set<String>,   // empty for IAM and anonymous callers
    scopes: Set<String>,   // empty for IAM and anonymous callers
  } tags Set<String>;

  // One configured upstream; the entity id is the upstream's configured name. Tools, resources and prompts are in it:
  //   resource in McpProxy::Upstream::"github"
  entity Upstream;

  // A tool of one upstream. The entity id is the name the proxy exposes (e.g. "github__search_issues").
  // The booleans are the upstream's MCP annotations (never the caller's) with the MCP defaults for missing hints:
  // readOnly=false; destructive=true and idempotent=false unless readOnly; openWorld=true.
  entity Tool in [Upstream] {
    name: String,          // the upstream's own tool name
    exposedName: String,
    upstream: String,
    pinned: Bool,          // the definition is the one the tool lock approved (false when pinning is off)
    readOnly: Bool,
    destructive: Bool,
    idempotent: Bool,
    openWorld: Bool,
  };

  // A resource (or resource template) of one upstream: name is the upstream's URI (or URI template).
  entity Resource in [Upstream] {
    name: String,
    exposedName: String,
    upstream: String,
    pinned: Bool,          // the definition is the one the tool lock approved (false when pinning is off)
  };

  // A prompt of one upstream.
  entity Prompt in [Upstream] {
    name: String,
    exposedName: String,
    upstream: String,
    pinned: Bool,          // the definition is the one the tool lock approved (false when pinning is off)
  };

  // One argument value. json is always present (the value as compact JSON text); the typed views are present
  // when the value has that type: string, integer (long), boolean, or an array of strings (strings).
  type ArgumentValue = {
    json: String,
    string?: String,
    long?: Long,
    boolean?: Bool,
    strings?: Set<String>,
  };

  // The call's arguments, one tag per argument; nested objects also appear under dotted paths ("options.force").
  //   context.arguments.hasTag("path") && context.arguments.getTag("path") has string
  //     && context.arguments.getTag("path").string like "/etc/*"
  entity Arguments tags ArgumentValue;

  type CallContext = {
    arguments: Arguments,
  };

  action "tools/call" appliesTo {
    principal: [Caller],
    resource: [Tool],
    context: CallContext,
  };

  action "resources/read" appliesTo {
    principal: [Caller],
    resource: [Resource],
    context: CallContext,
  };

  action "prompts/get" appliesTo {
    principal: [Caller],
    resource: [Prompt],
    context: CallContext,
  };

  // May this caller see detokenized values (the original PII) in results of this target?
  action "detokenize" appliesTo {
    principal: [Caller],
    resource: [Tool, Resource, Prompt],
    context: CallContext,
  };

  // An input request an upstream makes while serving the caller's call (docs/INPUT-REQUESTS.md). The resource is the
  // call's target (so: resource in McpProxy::Upstream::"reports" names the asking upstream); arguments are the call's.
  //   kind: "elicitation-form" | "elicitation-url" | "sampling" | "roots"; urlHost: a URL elicitation's host, lower-cased.
  type InputRequest = {
    kind: String,
    urlHost?: String,
  };

  type InputContext = {
    arguments: Arguments,
    input: InputRequest,
  };

  // May the call's upstream ask this caller for input of this kind? Deny by default; typed rules cover these actions
  // only when they name them.
  action "input/elicitation-form", "input/elicitation-url", "input/sampling", "input/roots" appliesTo {
    principal: [Caller],
    resource: [Tool, Resource, Prompt],
    context: InputContext,
  };
}
`;
