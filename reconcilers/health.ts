// Health from CloudWatch, on a slower cadence than the pass: CPU and memory of the api and queue
// services, CPU and free storage of the RDS instance, surfaced as per-resource status. A DB with under
// 10% of its storage free is a Warning. Best effort: a metrics failure never fails the pass.
// AWS calls: cloudwatch:GetMetricData (every metric of the project in one request; the requests of the
// account's passes that run together share a call, which takes 500 queries).
import { GetMetricDataCommand, type MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { batched, type BatchRead } from "../src/cloud/batch.js";
import { awsErrorCode } from "../src/cloud/errors.js";
import { CLUSTER_NAME, projectNames } from "../src/cloud/names.js";
import type { EventRecord, ResourceObservation } from "../src/model/project.js";
import { done, proceed, type NoInput, type PassContext, type Step } from "./contract.js";

export const HEALTH_INTERVAL_MS = 5 * 60_000;
export const LOW_STORAGE_FRACTION = 0.1;

function query(id: string, namespace: string, metric: string, dims: Record<string, string>, stat = "Average"): MetricDataQuery {
  return {
    Id: id, ReturnData: true,
    MetricStat: { Metric: { Namespace: namespace, MetricName: metric, Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })) }, Period: 300, Stat: stat },
  };
}

/** Each request's query ids are prefixed with its place in the call (ids must be unique in a call) and its answers come back by that prefix. */
const metricsRead: BatchRead<MetricDataQuery[], Map<string, number>> = {
  key: "cloudwatch:GetMetricData",
  capacity: 500,
  weight: (queries) => queries.length,
  async run(aws, requests) {
    const end = new Date();
    const queries = requests.flatMap((qs, i) => qs.map((q) => ({ ...q, Id: `r${i}_${q.Id}` })));
    const values = requests.map(() => new Map<string, number>());
    let NextToken: string | undefined;
    do {
      const out = await aws.cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: new Date(end.getTime() - 15 * 60_000), EndTime: end, NextToken }));
      for (const r of out.MetricDataResults ?? []) {
        const [, i, id] = /^r(\d+)_(.*)$/.exec(r.Id ?? "") ?? [];
        if (id && r.Values?.length && !values[Number(i)].has(id)) values[Number(i)].set(id, r.Values[0]);
      }
      NextToken = out.NextToken;
    } while (NextToken);
    return values;
  },
};

export const health: Step<NoInput, void> = {
  kind: "Health",
  condition: "ServicesReady",
  informational: true,
  async plan(ctx: PassContext) {
    const key = `health|${ctx.project.id}`;
    if (ctx.cache.get<boolean>(key) || ctx.dryRun) return proceed([], done("RolloutComplete", "healthy"));
    ctx.cache.set(key, true, ctx.healthIntervalMs ?? HEALTH_INTERVAL_MS);
    const names = projectNames(ctx.project.name);
    const rds = ctx.project.database.mode === "rds";
    const queries = [
      query("apicpu", "AWS/ECS", "CPUUtilization", { ClusterName: CLUSTER_NAME, ServiceName: names.service("api") }),
      query("apimem", "AWS/ECS", "MemoryUtilization", { ClusterName: CLUSTER_NAME, ServiceName: names.service("api") }),
      query("queuecpu", "AWS/ECS", "CPUUtilization", { ClusterName: CLUSTER_NAME, ServiceName: names.service("queue") }),
      query("queuemem", "AWS/ECS", "MemoryUtilization", { ClusterName: CLUSTER_NAME, ServiceName: names.service("queue") }),
      ...(rds ? [
        query("dbcpu", "AWS/RDS", "CPUUtilization", { DBInstanceIdentifier: names.dbInstance }),
        query("dbfree", "AWS/RDS", "FreeStorageSpace", { DBInstanceIdentifier: names.dbInstance }, "Minimum"),
      ] : []),
    ];
    let values: Map<string, number>;
    try {
      values = await batched(ctx.aws, metricsRead, queries);
    } catch (err) {
      ctx.log.warn({ code: awsErrorCode(err) }, "health metrics unavailable");
      return proceed([], done("RolloutComplete", "healthy (metrics unavailable)"));
    }
    const observations: ResourceObservation[] = [];
    const events: EventRecord[] = [];
    const pct = (v: number | undefined) => (v === undefined ? "n/a" : `${v.toFixed(1)}%`);
    for (const role of ["api", "queue"] as const) {
      observations.push({ kind: "Metrics", name: names.service(role), arn: null, phase: `cpu ${pct(values.get(`${role}cpu`))} mem ${pct(values.get(`${role}mem`))}`, lastError: null });
    }
    if (rds) {
      const free = values.get("dbfree");
      const allocated = (ctx.project.database.allocatedStorageGb ?? 20) * 1024 ** 3;
      const low = free !== undefined && free < allocated * LOW_STORAGE_FRACTION;
      const freeGb = free === undefined ? "n/a" : `${(free / 1024 ** 3).toFixed(1)} GiB free`;
      observations.push({
        kind: "Metrics", name: names.dbInstance, arn: null, phase: `cpu ${pct(values.get("dbcpu"))} storage ${freeGb}`,
        lastError: low ? { code: "LowStorage", message: `${freeGb} of ${ctx.project.database.allocatedStorageGb} GiB` } : null,
      });
      if (low) {
        events.push({ type: "Warning", reason: "LowStorage", message: `RDS instance ${names.dbInstance} has ${freeGb} of ${ctx.project.database.allocatedStorageGb} GiB; raise database.allocatedStorageGb`, resource: names.dbInstance, repeats: true });
      }
    }
    return proceed([], done("RolloutComplete", "healthy"), { observations, events });
  },
};
