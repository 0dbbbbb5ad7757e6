/**
 * Namespacing: how an upstream's names are exposed.
 *
 * - Tools and prompts: `<prefix><separator><name>` (e.g. `github__create_issue`).
 * - Resources and resource templates: the same rule applied to the URI text, `<prefix><separator><uri>`
 *   (e.g. `docs__file:///guide.md`, template `docs__file:///{path}`). The original URI follows the prefix verbatim, so
 *   the mapping is reversible by stripping the prefix, and a client expanding an exposed template gets exactly the
 *   exposed form of the URI the upstream template would have produced.
 * - `naming.mode`: `auto` prefixes only when more than one upstream is configured, `always` always, `never` never.
 *   An upstream whose `prefix` is the empty string is never prefixed.
 */
import type { ProxyConfig } from '../config/schema';

export class Naming {
  private readonly prefixes = new Map<string, string>();

  constructor(config: Pick<ProxyConfig, 'naming' | 'upstreams'>) {
    const on = config.naming.mode === 'always' || (config.naming.mode === 'auto' && config.upstreams.length > 1);
    for (const u of config.upstreams) {
      const prefix = u.prefix ?? u.name;
      this.prefixes.set(u.name, on && prefix !== '' ? prefix + config.naming.separator : '');
    }
  }

  /** The literal text put in front of this upstream's names ('' when not namespaced). */
  prefixOf(upstream: string): string {
    return this.prefixes.get(upstream) ?? '';
  }

  /** The exposed name (or URI) of an upstream's name (or URI). */
  expose(upstream: string, name: string): string {
    return this.prefixOf(upstream) + name;
  }

  /** The upstream's own name for an exposed name, or undefined when `exposed` does not carry this upstream's prefix. */
  strip(upstream: string, exposed: string): string | undefined {
    const p = this.prefixOf(upstream);
    return exposed.startsWith(p) ? exposed.slice(p.length) : undefined;
  }
}
