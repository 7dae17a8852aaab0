// The reconcile engine: claims due projects from Postgres with leases, wakes on LISTEN/NOTIFY, runs
// passes through p-queue with a global and a per-account limit, and writes each pass's result. It
// knows nothing of AWS: passes are run by the reconcilers, outcomes are settled in outcomes.ts.
import { performance } from "node:perf_hooks";
import PQueue from "p-queue";
import type { Logger } from "pino";
import { runPass, type PassResult } from "../../reconcilers/pass.js";
import type { Cloud } from "../cloud/clients.js";
import type { Metrics } from "../metrics.js";
import type { PassPlan } from "../model/project.js";
import type { Sealer } from "../store/crypto.js";
import { isConnectionError, type Store } from "../store/db.js";
import { intentsFor } from "../store/intents.js";
import { claimDue, nextDueInMs, releaseLeases, renewLeases, type Claim } from "../store/leases.js";
import { loadProjects, savePass, type LoadedProject, type PassWrite } from "../store/passes.js";
import { DESIRED_CHANNEL } from "../store/projects.js";
import type { PassCache } from "../../reconcilers/contract.js";
import { clusterKey } from "../../reconcilers/cluster.js";
import { networkCacheKey } from "../../reconcilers/network.js";
import type { StepResult } from "../../reconcilers/pass.js";
import { accountOfRoleArn } from "../cloud/names.js";
import { TtlCache } from "./cache.js";
import { Governor } from "./governor.js";
import { HeldLeases } from "./heldLeases.js";
import { Lag } from "./lag.js";
import { failedRollout, settle } from "./outcomes.js";

export interface EngineOptions {
  store: Store;
  sealer: Sealer;
  cloud: Cloud;
  logger: Logger;
  metrics: Metrics;
  operatorId: string;
  concurrency: number;
  accountConcurrency: number;
  resyncMs: number;
  leaseMs: number;
  pollMs: number;
  healGraceMs?: number;
  healthIntervalMs?: number;
  /** BYOC_LICENSE_KEY (docs/reference.md §3). */
  licenseKey?: string;
  /** Longest sleep of the claim loop between wake-ups. */
  idleMs?: number;
  /** How often the engine says in its log whether it is behind schedule (default 30 s). */
  lagReportMs?: number;
  /** How often the number of passes run at once is adjusted to the event loop's load (governor.ts; default 1 s). */
  governorMs?: number;
}

/**
 * A pass failed (not throttled): the account facts it stood on (network prerequisites, the cluster) are
 * dropped, so the next pass of the account reads them again instead of trusting them for 15–20 minutes.
 * A failure unrelated to them costs one re-read; a stale one would cost every pass until it expired.
 */
export function forgetAccountFacts(
  cache: PassCache, project: { roleArn: string; region: string }, steps: StepResult[],
): boolean {
  const failed = steps.some((s) => s.outcome.kind === "terminal" || (s.outcome.kind === "error" && !s.outcome.throttled));
  if (!failed) return false;
  let account: string;
  try { account = accountOfRoleArn(project.roleArn); } catch { return false; }
  cache.delete(networkCacheKey(account, project.region));
  cache.delete(clusterKey(account, project.region));
  return true;
}

/** What a dry run needs: the engine's own configuration (EngineOptions), so plan and apply cannot disagree. */
export type DryRunOptions = Pick<EngineOptions, "store" | "sealer" | "cloud" | "logger" | "operatorId" | "pollMs" | "resyncMs" | "healGraceMs" | "healthIntervalMs" | "licenseKey">;

/**
 * The engine's dry run: the pass apply would run now for one project, with actions listed and none
 * applied, nothing recorded (no events, no revision transitions, no rows). Undefined: no such project.
 */
export function dryRunner(o: DryRunOptions, cache: PassCache = new TtlCache()): (projectId: string) => Promise<PassPlan | undefined> {
  return async (projectId) => {
    const loaded = (await loadProjects(o.store, o.sealer, [projectId])).get(projectId);
    if (!loaded) return undefined;
    const p = loaded.desired;
    const result = await runPass(p, {
      cloud: o.cloud, operatorId: o.operatorId, cache, intents: intentsFor(o.store, p.id, loaded.pendingIntents), dryRun: true,
      log: o.logger.child({ project: p.name, plan: true }), pollMs: o.pollMs, resyncMs: o.resyncMs,
      healGraceMs: o.healGraceMs, healthIntervalMs: o.healthIntervalMs, licenseKey: o.licenseKey,
    });
    return {
      actions: result.planned,
      steps: result.steps.map((s) => ({
        kind: s.kind, outcome: s.outcome.kind, message: s.outcome.message,
        reason: s.outcome.kind === "error" || s.outcome.kind === "terminal" ? s.outcome.code : s.outcome.reason,
      })),
    };
  };
}

export class Engine {
  private readonly queue: PQueue;
  private readonly accountQueues = new Map<string, PQueue>();
  private readonly held = new HeldLeases();
  /** The passes running now, to stop one whose lease another replica has taken. */
  private readonly running = new Map<string, AbortController>();
  private renewedAt = Date.now();
  private readonly cache = new TtlCache();
  private stopping = false;
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private lagTimer: NodeJS.Timeout | undefined;
  private governorTimer: NodeJS.Timeout | undefined;
  private readonly lag: Lag;
  private readonly governor: Governor;
  private unlisten: (() => Promise<void>) | undefined;
  private passSeq = 0;
  private notStarted = 0;
  readonly log: Logger;

  /** The dry run of one project as this engine would pass it now (GET /plan). */
  readonly dryRun: (projectId: string) => Promise<PassPlan | undefined>;

  constructor(private readonly o: EngineOptions) {
    this.queue = new PQueue({ concurrency: o.concurrency });
    this.log = o.logger.child({ component: "engine", operator: o.operatorId });
    this.dryRun = dryRunner(o, this.cache);
    this.governor = new Governor(o.concurrency);
    this.lag = new Lag({ metrics: o.metrics, log: this.log, resyncMs: o.resyncMs, concurrency: () => this.queue.concurrency });
    o.metrics.concurrencyLimit.set(o.concurrency);
  }

  /** One governor reading: the event loop's utilization since the last, and whether passes wait for a slot. */
  adjustConcurrency(utilization: number): number {
    const limit = this.governor.next(utilization, this.queue.size > 0);
    if (this.queue.concurrency !== limit) this.queue.concurrency = limit;
    this.o.metrics.concurrencyLimit.set(limit);
    return limit;
  }

  async start(): Promise<void> {
    const listener = await this.o.store.sql.listen(DESIRED_CHANNEL, () => this.wake?.(), () => this.wake?.());
    this.unlisten = () => listener.unlisten();
    this.renewTimer = setInterval(() => void this.renew(), Math.max(500, this.o.leaseMs / 3));
    this.lagTimer = setInterval(() => this.lag.report(), this.o.lagReportMs ?? 30_000);
    this.lagTimer.unref();
    let elu = performance.eventLoopUtilization();
    this.governorTimer = setInterval(() => {
      const now = performance.eventLoopUtilization();
      this.adjustConcurrency(performance.eventLoopUtilization(now, elu).utilization);
      elu = now;
    }, this.o.governorMs ?? 1000);
    this.governorTimer.unref();
    this.loopDone = this.claimLoop();
    this.log.info({ concurrency: this.o.concurrency, accountConcurrency: this.o.accountConcurrency, resyncMs: this.o.resyncMs }, "engine started");
  }

  /**
   * Stop claiming, let in-flight passes finish (up to `graceMs`), abandon the ones still queued (they
   * have not touched AWS), release every lease still held.
   */
  async stop(graceMs = 25_000): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loopDone;
    const idle = Promise.all([this.queue.onIdle(), ...[...this.accountQueues.values()].map((q) => q.onIdle())]);
    await Promise.race([idle, new Promise((r) => setTimeout(r, graceMs).unref())]);
    clearInterval(this.renewTimer);
    clearInterval(this.lagTimer);
    clearInterval(this.governorTimer);
    await this.unlisten?.().catch(() => {});
    const released = await releaseLeases(this.o.store, this.o.operatorId).catch(() => 0);
    this.log.info({ released, notStarted: this.notStarted, stillRunning: this.held.size }, "engine stopped");
  }

  get inFlight(): number { return this.held.size; }

  private async claimLoop(): Promise<void> {
    const idleMs = this.o.idleMs ?? 1000;
    while (!this.stopping) {
      let claimed = 0;
      let limit = 0;
      let nextDue: number | undefined;
      try {
        // Twice what may run now: a replica whose loop is saturated leaves the rest to the others.
        limit = Math.min(this.queue.concurrency * 2 - this.held.size, 500);
        const { claims, nextDueMs } = await claimDue(this.o.store, this.o.operatorId, limit, this.o.leaseMs);
        claimed = claims.length;
        nextDue = nextDueMs;
        // A claim that found nothing due says "on time"; none made (all slots held) says nothing.
        if (limit > 0) this.lag.claimed(claims.map((c) => c.lateMs));
        if (claims.length) await this.dispatch(claims);
      } catch (err) {
        this.log.error({ err: (err as Error).message }, "claim failed; retrying");
        await this.sleep(1000);
        continue;
      }
      // A full batch may have left more due; a short one took all there were (no need to ask again).
      if (claimed > 0 && claimed === limit && this.held.size < this.queue.concurrency * 2) continue;
      // The claim said when the next one falls due; with no claim made (every slot held) ask.
      const due = limit > 0 ? nextDue : await nextDueInMs(this.o.store).catch(() => undefined);
      await this.sleep(Math.max(10, Math.min(idleMs, due ?? idleMs)));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { clearTimeout(t); this.wake = undefined; resolve(); };
    });
  }

  private accountQueue(accountId: string): PQueue {
    let q = this.accountQueues.get(accountId);
    if (!q) {
      const made = new PQueue({ concurrency: this.o.accountConcurrency });
      // An account's queue lives while it has passes queued or running: with one project per account,
      // kept queues were one p-queue (and its emitter) per customer account for the daemon's life.
      made.on("idle", () => { if (this.accountQueues.get(accountId) === made) this.accountQueues.delete(accountId); });
      this.accountQueues.set(accountId, q = made);
    }
    return q;
  }

  private async dispatch(all: Claim[]) {
    // A lease of ours that expired while its pass still ran (renewals failed: Postgres was away) comes
    // back in our own claim: that pass keeps it and saves under it; a second pass would race it.
    const claims = all.filter((c) => !this.held.has(c.projectId));
    for (const c of claims) this.held.hold(c.projectId);
    this.o.metrics.leasesHeld.set(this.held.size);
    let loaded: Map<string, LoadedProject>;
    try {
      loaded = await this.load(claims);
    } catch (err) {
      // Not dispatched, so not held: stop renewing them and let them expire to be claimed again.
      for (const c of claims) this.held.drop(c.projectId);
      this.o.metrics.leasesHeld.set(this.held.size);
      throw err;
    }
    for (const claim of claims) {
      const project = loaded.get(claim.projectId);
      if (!project) { this.held.drop(claim.projectId); continue; }
      this.o.metrics.queueDepth.inc();
      // Account slot outside, global slot inside: waiting for an account never holds a global worker.
      void this.accountQueue(claim.accountId).add(() => this.queue.add(async () => {
        this.o.metrics.queueDepth.dec();
        if (this.stopping) { this.notStarted++; return; } // queued, never started: its lease is released by stop()
        await this.reconcile(claim, project);
      })).catch((err) => this.log.error({ err: (err as Error).message, project: project.desired.name }, "pass crashed"))
        .finally(() => { this.held.drop(claim.projectId); this.o.metrics.leasesHeld.set(this.held.size); });
    }
  }

  /** One project that cannot be loaded (e.g. sealed with a key no longer configured) must not hold up the rest of its batch. */
  private async load(claims: Claim[]): Promise<Map<string, LoadedProject>> {
    const ids = claims.map((c) => c.projectId);
    try {
      return await loadProjects(this.o.store, this.o.sealer, ids);
    } catch (err) {
      if (ids.length <= 1) throw err;
      const out = new Map<string, LoadedProject>();
      for (const id of ids) {
        try {
          for (const [k, v] of await loadProjects(this.o.store, this.o.sealer, [id])) out.set(k, v);
        } catch (one) {
          this.log.error({ projectId: id, err: (one as Error).message }, "cannot load project; skipping it until its lease expires");
        }
      }
      return out;
    }
  }

  /**
   * Extends the leases of the passes in flight. A pass whose lease another replica took is stopped before
   * its next change to AWS (its result would be refused anyway); so are all of them once renewals have
   * failed for a whole lease, as their leases have expired and may be claimed as soon as Postgres is back.
   */
  private async renew() {
    if (this.held.size === 0) { this.renewedAt = Date.now(); return; }
    const renewal = this.held.renewal();
    try {
      const notRenewed = await renewLeases(this.o.store, this.o.operatorId, renewal.ids, this.o.leaseMs);
      this.renewedAt = Date.now();
      for (const id of renewal.lost(notRenewed)) {
        this.log.warn({ projectId: id }, "lease lost; another replica owns this project now: its pass here stops before its next change");
        this.running.get(id)?.abort();
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, "lease renewal failed");
      if (Date.now() - this.renewedAt > this.o.leaseMs && this.running.size) {
        this.log.warn({ passes: this.running.size }, "leases expired while renewals failed: stopping the passes in flight before their next change");
        for (const c of this.running.values()) c.abort();
      }
    }
  }

  private async reconcile(claim: Claim, loaded: LoadedProject): Promise<void> {
    const p = loaded.desired;
    const passId = `${this.o.operatorId}-${++this.passSeq}`;
    const log = this.log.child({ project: p.name, projectId: p.id, pass: passId });
    this.o.metrics.inFlight.inc();
    const started = Date.now();
    // A generation no pass has taken to Ready yet: what passes change now is that spec being applied.
    const applying = loaded.appliedGeneration < p.generation;
    const abort = new AbortController();
    this.running.set(p.id, abort);
    let result: PassResult;
    try {
      result = await runPass(p, {
        cloud: this.o.cloud, operatorId: this.o.operatorId, cache: this.cache, intents: intentsFor(this.o.store, p.id, loaded.pendingIntents),
        log, pollMs: this.o.pollMs, resyncMs: this.o.resyncMs, stretchMs: this.lag.stretchMs, healGraceMs: this.o.healGraceMs,
        healthIntervalMs: this.o.healthIntervalMs, licenseKey: this.o.licenseKey, specChanged: applying, signal: abort.signal,
      });
    } finally {
      this.running.delete(p.id);
      this.o.metrics.inFlight.dec();
    }
    forgetAccountFacts(this.cache, p, result.steps);
    const settled = settle({
      steps: result.steps, deleting: p.deleting, previousAttempts: claim.attempts, dueAt: claim.dueAt,
      wasReady: loaded.phase === "Ready" || loaded.phase === "Degraded", resyncMs: this.o.resyncMs, accountId: claim.accountId,
      changeRequested: applying || p.revisions.some((r) => r.status === "QUEUED" || r.status === "DEPLOYING"),
      failedRollout: failedRollout(p.revisions, result.revisionUpdates),
    });
    for (const l of settled.labels.steps) this.o.metrics.reconciles.inc(l);
    for (const s of result.steps) this.o.metrics.passDuration.observe({ kind: s.kind }, s.durationMs / 1000);
    this.o.metrics.passes.inc({ outcome: settled.labels.pass });
    for (const a of result.applied) {
      if (a.reason !== "DriftRepaired") continue;
      for (const field of new Set(a.fields.length ? a.fields : ["unknown"])) this.o.metrics.driftRepairs.inc({ kind: a.kind, field });
    }
    // From here the lease is released by the save itself (or, if it was really lost, the save says so).
    this.held.releasing(p.id);
    const saved = await this.save(loaded, log, {
      owner: this.o.operatorId, projectId: p.id, seenWakes: claim.wakes, seenGeneration: p.generation,
      nextDueInMs: settled.schedule.afterMs, attempts: settled.schedule.op === "backoff" ? settled.schedule.attempts : 0,
      outcome: settled.schedule.outcome, phase: settled.phase, synced: settled.synced, conditions: settled.conditions,
      observations: result.observations, events: result.events, revisionUpdates: result.revisionUpdates, url: result.url,
      deleted: result.deleted,
    });
    log[saved ? "debug" : "warn"]({ phase: settled.phase, next: settled.schedule, ms: Date.now() - started, actions: result.planned.length }, saved ? "pass done" : "pass result dropped: lease lost");
  }

  /**
   * Writes a pass's result, waiting out a Postgres that is restarting: the result records what the pass
   * did to AWS (events, revision states), so it is kept until it can be written. The write is fenced on
   * the lease, so a retry after a commit whose answer was lost is refused, never applied twice.
   */
  private async save(loaded: LoadedProject, log: Logger, write: PassWrite): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await savePass(this.o.store, loaded, write);
      } catch (err) {
        if (!isConnectionError(err) || (this.stopping && attempt >= 3)) throw err;
        log.warn({ err: (err as Error).message, attempt }, "saving the pass result failed (Postgres unreachable); retrying");
        await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** Math.min(attempt, 5))));
      }
    }
  }
}
