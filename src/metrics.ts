// Prometheus metrics of docs/reference.md §7, in one registry shared by the engine, the cloud layer and the API.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const m = {
    registry,
    reconciles: new Counter({ name: "byoc_reconciles_total", help: "Reconcile steps by resource kind and outcome", labelNames: ["kind", "outcome"], registers: [registry] }),
    passes: new Counter({ name: "byoc_reconcile_passes_total", help: "Whole-project reconcile passes by outcome", labelNames: ["outcome"], registers: [registry] }),
    passDuration: new Histogram({ name: "byoc_reconcile_duration_seconds", help: "Duration of reconcile steps by resource kind", labelNames: ["kind"], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] }),
    queueDepth: new Gauge({ name: "byoc_queue_depth", help: "Projects claimed and waiting for a worker", registers: [registry] }),
    inFlight: new Gauge({ name: "byoc_reconciles_in_flight", help: "Passes running now", registers: [registry] }),
    leasesHeld: new Gauge({ name: "byoc_leases_held", help: "Project leases this replica holds", registers: [registry] }),
    awsCalls: new Counter({ name: "byoc_aws_calls_total", help: "AWS API calls by service, operation and outcome", labelNames: ["service", "operation", "outcome"], registers: [registry] }),
    throttles: new Counter({ name: "byoc_aws_throttles_total", help: "Throttling errors from AWS by account", labelNames: ["service"], registers: [registry] }),
    driftRepairs: new Counter({ name: "byoc_drift_repairs_total", help: "Drift repaired by resource kind and field", labelNames: ["kind", "field"], registers: [registry] }),
    // Overload: how far behind its schedule the engine claims passes (src/engine/lag.ts).
    concurrencyLimit: new Gauge({ name: "byoc_engine_concurrency_limit", help: "Passes this replica runs at once now: BYOC_CONCURRENCY, or fewer while its event loop is saturated", registers: [registry] }),
    behind: new Gauge({ name: "byoc_engine_behind_seconds", help: "How late after its due time the latest claimed pass was (0: on time)", registers: [registry] }),
    latePasses: new Counter({ name: "byoc_passes_late_total", help: "Passes claimed later after their due time than a tenth of the resync interval (at least 1 s)", registers: [registry] }),
    apiRequests: new Counter({ name: "byoc_api_requests_total", help: "Admin API requests by route and status", labelNames: ["route", "method", "status"], registers: [registry] }),
  };
  return m;
}
export type Metrics = ReturnType<typeof createMetrics>;
