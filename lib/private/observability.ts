import { Duration } from 'aws-cdk-lib';
import type * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { PROXY_METRICS, type AuditOptions } from '../audit';
import type { McpGovernanceProxyBase } from '../mcp-governance-proxy-base';

/** The alarms and the dashboard of one proxy. */
export interface ProxyObservability {
  readonly alarms: cloudwatch.IAlarm[];
  readonly deniedCallsAlarm?: cloudwatch.IAlarm;
  readonly upstreamErrorsAlarm?: cloudwatch.IAlarm;
  readonly auditSinkAlarm?: cloudwatch.IAlarm;
  readonly dashboard?: cloudwatch.Dashboard;
}

/** Alarms on denials, upstream errors and audit failures (with `audit.alarmActions`), and the dashboard. */
export function createAlarmsAndDashboard(proxy: McpGovernanceProxyBase & { readonly runtime: agentcore.IBedrockAgentRuntime }, runtimeName: string, audit: AuditOptions | undefined, pinningMode?: string, shadow = false): ProxyObservability {
  const alarms: cloudwatch.IAlarm[] = [];
  const out: { -readonly [K in keyof ProxyObservability]?: ProxyObservability[K] } = {};
  if (audit?.alarms ?? true) {
    const actions = audit?.alarmActions ?? [];
    const alarm = (alarmId: string, a: cloudwatch.AlarmProps) => {
      const created = new cloudwatch.Alarm(proxy, alarmId, a);
      actions.forEach((x) => created.addAlarmAction(x));
      alarms.push(created);
      return created;
    };
    out.deniedCallsAlarm = alarm('DeniedCallsAlarm', {
      metric: proxy.metricDeniedCalls(),
      threshold: audit?.denialsAlarmThreshold ?? 10,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `MCP governance proxy ${runtimeName}: denied calls in 5 minutes (from the audit trail).`,
    });
    out.upstreamErrorsAlarm = alarm('UpstreamErrorsAlarm', {
      metric: proxy.metricUpstreamErrors(),
      threshold: audit?.upstreamErrorsAlarmThreshold ?? 5,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `MCP governance proxy ${runtimeName}: failed upstream calls (timeouts, unavailable, auth) in 5 minutes (from the audit trail).`,
    });
    out.auditSinkAlarm = alarm('AuditSinkAlarm', {
      metric: proxy.metricAuditFailures(),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `MCP governance proxy ${runtimeName}: audit-sink failures, dropped or lost audit records, or calls refused because the audit trail was unavailable.`,
    });
    if (pinningMode !== undefined) {
      alarm('PinningDriftAlarm', {
        metric: proxy.metric('PinningDrifts', { statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `MCP governance proxy ${runtimeName}: an upstream tool definition differs from the tool lock, or is not in it (mode ${pinningMode}).`,
      });
    }
  }
  const dashboard = (audit?.dashboard ?? true) ? createDashboard(proxy, proxy.runtime, alarms, audit?.dashboardName, shadow) : undefined;
  return { ...out, alarms, dashboard };
}

function createDashboard(proxy: McpGovernanceProxyBase, runtime: agentcore.IBedrockAgentRuntime, alarms: cloudwatch.IAlarm[], dashboardName: string | undefined, shadow: boolean): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(proxy, 'Dashboard', { dashboardName, defaultInterval: Duration.hours(3) });
  dashboard.addWidgets(
    new cloudwatch.TextWidget({ markdown: `# MCP governance proxy \`${runtime.agentRuntimeName}\`\nCalls, policy decisions and the health of the audit trail.`, width: 24, height: 2 }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({ title: 'Calls and denials', left: [proxy.metricCalls({ label: 'Calls' }), proxy.metricDeniedCalls({ label: 'Denied (audit trail)' })], width: 8 }),
    new cloudwatch.GraphWidget({ title: 'Upstream errors', left: [proxy.metricUpstreamErrors({ label: 'Failed upstream calls (audit trail)' })], width: 8 }),
    new cloudwatch.GraphWidget({ title: 'Latency (ms)', left: [proxy.metricLatency({ label: 'p99' }), proxy.metricLatency({ statistic: 'p50', label: 'p50' })], width: 8 }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Audit trail health',
      left: [
        proxy.metricAuditSinkFailures({ label: 'Sink failures' }),
        proxy.metric(PROXY_METRICS.auditRecordsDropped, { label: 'Dropped' }),
        proxy.metric(PROXY_METRICS.auditUnavailableRefusals, { label: 'Refused (fail closed)' }),
        proxy.metricAuditRecordsLost({ label: 'Lost (audit_overflow)' }),
      ],
      right: [proxy.metric(PROXY_METRICS.auditBufferedRecords, { statistic: 'Maximum', label: 'Buffered records' })],
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'AgentCore Runtime',
      left: [runtime.metricInvocations(), runtime.metricTotalErrors()],
      right: [runtime.metricLatency()],
      width: 12,
    }),
  );
  if (shadow) {
    dashboard.addWidgets(new cloudwatch.GraphWidget({
      title: 'Shadow policy: disagreements with the enforced policy',
      left: [proxy.metricShadowDisagreements({ label: 'Requests decided differently (shadow_disagreement records)' })],
      width: 24,
    }));
  }
  if (alarms.length) dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: alarms, width: 24 }));
  return dashboard;
}
