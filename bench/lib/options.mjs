/** Command-line options of `npm run bench` (every duration and size is configurable; `--quick` is a smoke run). */
import { parseArgs } from 'node:util';

const list = (s) => String(s).split(',').map((x) => x.trim()).filter(Boolean);
const nums = (s) => list(s).map(Number);

export const HELP = `Usage: npm run bench -- [options]
  --quick                   smoke run (~1-2 min): short runs, fewer samples
  --targets a,b             hot-path targets (default: direct,floor,passthrough,passthrough-modern,full,full-modern,full-pinned,direct-modern,floor-modern,passthrough-upstream-modern,full-stdout,peer,peer-cli)
  --sections a,b            throughput,latency,stages,soak,coldstart,footprint,catalog,policy,payload,micro,auditsink (default: all)
  --concurrency 1,16,64     clients per throughput run
  --duration S              seconds per throughput run (default 2, whole seconds; quick 2)
  --warmup S                warm-up seconds per target before measuring (default 2; quick 1)
  --rounds N                interleaved rounds per concurrency: the median round's calls/s and the median of the
                            per-round ratios to direct are reported (default 3; quick 1)
  --latency-rate R          offered load (req/s, across 16 clients) of the fixed-rate latency runs (default 500)
  --latency-duration S      seconds per fixed-rate latency run (default 6; quick 3)
  --soak-calls N            calls of the memory soak (default 100000; quick 10000)
  --soak-max-s S            time limit of the soak; the calls made are reported (default 120; quick 15)
  --coldstart-runs N        start-ups per configuration, median reported (default 10; quick 3)
  --coldstart-max-s S       time limit for all cold starts (at least 3 per configuration; default 40; quick 8)
  --sample-max-s S          time limit of each scale measurement (catalog, policy, payload; default 6; quick 2)
  --catalog-sizes a,b       tools in the catalog-scale runs (default 10,1000,10000; quick 10,1000)
  --rule-counts a,b         Cedar rules in the policy-scale runs (default 10,1000,10000; quick 10,1000)
  --micro-processes N       processes for the first and last rule count of the module-level Cedar figures, median
                            reported (decision speed holds per process, in phases of the host; default 3; quick 1)
  --payload-sizes a,b       result bytes in the payload runs (default 1024,102400,5242880; quick 1024,102400)
  --no-cloudwatch           full pipeline audits to stdout (/dev/null) instead of the loopback CloudWatch Logs endpoint
  --proxy-node-args="A B"   extra node flags for every proxy process (e.g. --proxy-node-args=--max-old-space-size=128)
  --profile                 write a V8 CPU profile of every proxy process to bench/results/profiles/
  --build                   rebuild the runtime bundle first (npm run build:runtime); it is built anyway when missing
  --report PATH             where to write the report (default bench/REPORT.md); --no-report to skip
  --max-minutes M           hard limit for the whole run; a partial report is written (default 20; quick 5)
`;

export function parseOptions(argv = process.argv.slice(2)) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      targets: { type: 'string' },
      sections: { type: 'string' },
      concurrency: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      'latency-rate': { type: 'string' },
      'latency-duration': { type: 'string' },
      'soak-calls': { type: 'string' },
      'coldstart-runs': { type: 'string' },
      'soak-max-s': { type: 'string' },
      'coldstart-max-s': { type: 'string' },
      'sample-max-s': { type: 'string' },
      'catalog-sizes': { type: 'string' },
      'rule-counts': { type: 'string' },
      'micro-processes': { type: 'string' },
      'payload-sizes': { type: 'string' },
      'no-cloudwatch': { type: 'boolean', default: false },
      build: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'proxy-node-args': { type: 'string' },
      report: { type: 'string' },
      'no-report': { type: 'boolean', default: false },
      'max-minutes': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const q = values.quick;
  return {
    help: values.help,
    quick: q,
    targets: list(values.targets ?? 'direct,floor,passthrough,passthrough-modern,full,full-modern,full-pinned,direct-modern,floor-modern,passthrough-upstream-modern,full-stdout,peer,peer-cli'),
    sections: new Set(list(values.sections ?? 'throughput,latency,stages,soak,coldstart,footprint,catalog,policy,payload,micro,auditsink')),
    concurrency: nums(values.concurrency ?? '1,16,64'),
    durationS: Number(values.duration ?? 2),
    warmupS: Number(values.warmup ?? (q ? 1 : 2)),
    rounds: Number(values.rounds ?? (q ? 1 : 3)),
    latencyRate: Number(values['latency-rate'] ?? 500),
    latencyDurationS: Number(values['latency-duration'] ?? (q ? 3 : 6)),
    soakCalls: Number(values['soak-calls'] ?? (q ? 10_000 : 100_000)),
    coldstartRuns: Number(values['coldstart-runs'] ?? (q ? 3 : 10)),
    soakMaxS: Number(values['soak-max-s'] ?? (q ? 15 : 120)),
    coldstartMaxS: Number(values['coldstart-max-s'] ?? (q ? 8 : 40)),
    sampleMaxS: Number(values['sample-max-s'] ?? (q ? 2 : 6)),
    catalogSizes: nums(values['catalog-sizes'] ?? (q ? '10,1000' : '10,1000,10000')),
    ruleCounts: nums(values['rule-counts'] ?? (q ? '10,1000' : '10,1000,10000')),
    microProcesses: Number(values['micro-processes'] ?? (q ? 1 : 3)),
    payloadSizes: nums(values['payload-sizes'] ?? (q ? '1024,102400' : '1024,102400,5242880')),
    cloudwatch: !values['no-cloudwatch'],
    build: values.build,
    profile: values.profile,
    proxyNodeArgs: (values['proxy-node-args'] ?? '').split(/\s+/).filter(Boolean),
    report: values['no-report'] ? null : (values.report ?? 'bench/REPORT.md'),
    maxMinutes: Number(values['max-minutes'] ?? (q ? 5 : 20)),
  };
}
