// CloudWatch GetMetricData for the metrics the operator reads: AWS/ECS CPUUtilization and
// MemoryUtilization per (ClusterName, ServiceName) and AWS/RDS CPUUtilization, FreeStorageSpace and
// DatabaseConnections per DBInstanceIdentifier. Values are plausible and deterministic (a function of
// the resource and the period), exist only while the resource does, come newest first as with the
// default ScanBy, and can be forced with console.setMetric (e.g. a nearly full disk). Metric math
// expressions are refused loudly rather than answered wrongly.
import { fail } from "./errors.js";
import { stableHex } from "./ids.js";
import type { OperationHandler, OpContext } from "./state.js";

export interface MetricOverride {
  namespace: string;
  metric: string;
  dims: Record<string, string>;
  value: number;
  setAt: number;
}

export interface MetricsState {
  overrides: MetricOverride[];
}

const MAX_POINTS = 10_000;
const GIB = 1024 ** 3;

type Dims = Record<string, string>;

function sameDims(a: Dims, b: Dims): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

export function setMetricOverride(ctx: OpContext, namespace: string, metric: string, dims: Dims, value: number): void {
  const rest = ctx.s.metrics.overrides.filter((o) => !(o.namespace === namespace && o.metric === metric && sameDims(o.dims, dims)));
  ctx.s.metrics.overrides = [...rest, { namespace, metric, dims: { ...dims }, value, setAt: ctx.now }];
}

/** When the resource came to exist (metrics start then), or undefined when it does not exist. */
function existsSince(ctx: OpContext, namespace: string, dims: Dims): number | undefined {
  if (namespace === "AWS/ECS" && dims.ClusterName && dims.ServiceName) {
    const svc = ctx.s.ecs.services.find((x) => x.clusterName === dims.ClusterName && x.name === dims.ServiceName && x.status !== "INACTIVE");
    return svc?.createdAt;
  }
  if (namespace === "AWS/ECS" && dims.ClusterName) return ctx.s.ecs.clusters[dims.ClusterName]?.createdAt;
  if (namespace === "AWS/RDS" && dims.DBInstanceIdentifier) {
    const inst = ctx.s.rds.instances[dims.DBInstanceIdentifier.toLowerCase()];
    return inst?.instanceCreateTime;
  }
  return undefined;
}

function baseline(ctx: OpContext, namespace: string, metric: string, dims: Dims, t: number): number | undefined {
  const noise = parseInt(stableHex([namespace, metric, JSON.stringify(dims), Math.floor(t / 60_000)], 4), 16) / 0xffff;
  const wave = Math.sin((t / 3_600_000) * Math.PI * 2);
  switch (`${namespace}:${metric}`) {
    case "AWS/ECS:CPUUtilization": return 9 + 5 * wave + 6 * noise;
    case "AWS/ECS:MemoryUtilization": return 28 + 3 * wave + 4 * noise;
    case "AWS/RDS:CPUUtilization": return 4 + 2 * wave + 5 * noise;
    case "AWS/RDS:DatabaseConnections": return Math.round(3 + 4 * noise);
    case "AWS/RDS:FreeStorageSpace": {
      const inst = ctx.s.rds.instances[dims.DBInstanceIdentifier?.toLowerCase() ?? ""];
      return inst ? Math.round(inst.allocatedStorage * GIB * (0.9 - 0.02 * noise)) : undefined;
    }
    default: return undefined;
  }
}

function statOf(value: number, stat: string, metric: string): number {
  const percent = metric.endsWith("Utilization");
  if (stat === "Maximum" || /^p(9\d|100)/.test(stat)) return percent ? Math.min(100, value * 1.4) : value;
  if (stat === "Minimum") return value * 0.7;
  if (stat === "SampleCount") return 1;
  return value;
}

interface Query {
  Id?: string;
  Label?: string;
  ReturnData?: boolean;
  Expression?: string;
  MetricStat?: { Metric?: { Namespace?: string; MetricName?: string; Dimensions?: { Name?: string; Value?: string }[] }; Period?: number; Stat?: string };
}

function answer(ctx: OpContext, q: Query, start: number, end: number, descending: boolean) {
  if (q.Expression) fail("cloudwatch", "InvalidParameterValueException", `The sandbox cloud does not evaluate metric math expressions (query ${q.Id}).`);
  const stat = q.MetricStat;
  const namespace = stat?.Metric?.Namespace ?? "";
  const metric = stat?.Metric?.MetricName ?? "";
  const period = (stat?.Period ?? 0) * 1000;
  if (!stat || !metric || period <= 0) fail("cloudwatch", "InvalidParameterValueException", `The MetricStat of query ${q.Id} needs a metric and a positive period.`);
  const dims: Dims = Object.fromEntries((stat.Metric?.Dimensions ?? []).map((d) => [d.Name ?? "", d.Value ?? ""]));
  const since = existsSince(ctx, namespace, dims);
  const override = ctx.s.metrics.overrides.find((o) => o.namespace === namespace && o.metric === metric && sameDims(o.dims, dims));
  const Timestamps: Date[] = [];
  const Values: number[] = [];
  const last = Math.min(end, ctx.now);
  for (let t = Math.ceil(start / period) * period; t < last && Timestamps.length < MAX_POINTS; t += period) {
    if (since === undefined || t + period <= since) continue;
    // A forced value shows from the period that had just ended when it was set, whatever the statistic.
    const forced = override && t + period >= override.setAt ? override.value : undefined;
    const value = forced ?? baseline(ctx, namespace, metric, dims, t);
    if (value === undefined) continue;
    Timestamps.push(new Date(t));
    Values.push(forced ?? Math.round(statOf(value, stat.Stat ?? "Average", metric) * 1000) / 1000);
  }
  if (descending) {
    Timestamps.reverse();
    Values.reverse();
  }
  return { Id: q.Id, Label: q.Label ?? metric, Timestamps, Values, StatusCode: "Complete", Messages: [] };
}

function getMetricData(ctx: OpContext, input: { MetricDataQueries?: Query[]; StartTime?: Date; EndTime?: Date; ScanBy?: string }) {
  const queries = input.MetricDataQueries ?? [];
  if (!queries.length || queries.length > 500) fail("cloudwatch", "InvalidParameterValueException", "MetricDataQueries must contain between 1 and 500 queries.");
  const start = input.StartTime ? new Date(input.StartTime).getTime() : NaN;
  const end = input.EndTime ? new Date(input.EndTime).getTime() : NaN;
  if (!(start < end)) fail("cloudwatch", "InvalidParameterValueException", "The parameter StartTime must be less than the parameter EndTime.");
  const descending = (input.ScanBy ?? "TimestampDescending") === "TimestampDescending";
  return {
    MetricDataResults: queries.filter((q) => q.ReturnData !== false).map((q) => answer(ctx, q, start, end, descending)),
    Messages: [],
  };
}

export const cloudwatchHandlers: Record<string, OperationHandler> = {
  GetMetricData: getMetricData,
};
