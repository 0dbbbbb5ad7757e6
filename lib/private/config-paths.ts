/** Maps a configuration path (`sanitize.maxDepth`) to the construct prop that sets it (`sanitization.maxDepth`). */
export function propOfPath(configPath: string): string {
  const renames: [RegExp, string][] = [
    [/^identity/, 'inboundAuth'],
    [/^sanitize/, 'sanitization'],
    [/^pinning/, 'toolPinning'],
    [/^redact\.custom/, 'redaction.customDetectors'],
    [/^redact/, 'redaction'],
    [/^tokenize/, 'tokenization'],
    [/^discovery\.refreshIntervalMs/, 'catalogRefreshInterval'],
    [/^server\.maxBodyBytes/, 'maxRequestBodySize'],
    [/^upstreams\[(\d+)\]\.timeoutMs/, 'upstreams[$1].timeout'],
  ];
  for (const [re, to] of renames) if (re.test(configPath)) return configPath.replace(re, to);
  return configPath;
}

/** Names the prop behind a `<config path>: <problem>` line of the runtime's check. */
export function propOf(error: string): string {
  const configPath = error.split(':')[0];
  return `props.${propOfPath(configPath)}, at ${configPath}`;
}
