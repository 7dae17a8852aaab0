// Every request the SDK sent to the sandbox, including SDK retries and faulted calls, so tests can
// assert "the throttled call was retried" or "nothing called DeleteDBInstance" the way one would read
// CloudTrail. Totals are kept separately from the (bounded) entry list so a long-running daemon does
// not grow without limit while its counts stay exact.

export interface SandboxCall {
  service: string;
  operation: string;
  accountId: string;
  region: string;
  /** "ok" or the AWS error name the caller saw. */
  outcome: string;
  at: number;
}

const MAX_ENTRIES = 10_000;

export class SandboxCallLog {
  private list: SandboxCall[] = [];
  private byOperation = new Map<string, number>();
  private outcomes = new Map<string, number>();

  /** The most recent calls, oldest first (at most 10 000). */
  get entries(): readonly SandboxCall[] {
    return this.list;
  }

  record(call: SandboxCall): void {
    this.list.push(call);
    if (this.list.length > MAX_ENTRIES) this.list.splice(0, this.list.length - MAX_ENTRIES);
    const key = `${call.service}:${call.operation}`;
    this.byOperation.set(key, (this.byOperation.get(key) ?? 0) + 1);
    this.outcomes.set(call.outcome, (this.outcomes.get(call.outcome) ?? 0) + 1);
  }

  /** Calls per "service:operation", e.g. "ecs:CreateService". */
  counts(): Map<string, number> {
    return new Map(this.byOperation);
  }

  /** Calls per outcome, e.g. "ok", "ThrottlingException". */
  byOutcome(): Map<string, number> {
    return new Map(this.outcomes);
  }

  /** Calls to one operation ("ecs:CreateService"), optionally only those with one outcome. */
  count(operation: string, outcome?: string): number {
    if (outcome === undefined) return this.byOperation.get(operation) ?? 0;
    return this.list.filter((c) => `${c.service}:${c.operation}` === operation && c.outcome === outcome).length;
  }

  reset(): void {
    this.list = [];
    this.byOperation.clear();
    this.outcomes.clear();
  }
}
