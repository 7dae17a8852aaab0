// The simulated AWS in a process of its own, for benchmarks: a SandboxCloud (MemoryStateStore) whose
// SDK middleware answers requests forwarded over a Unix socket by bench/support/remote-sandbox.ts.
// Out of the operator's process, its CPU and memory (a 10,000-project cloud is hundreds of MB of
// state) are not counted as the operator's, several operator processes (replicas) share one cloud,
// and it runs on the other core, as AWS runs elsewhere.
// Started as: node bench/support/sandbox-server.js '<json SandboxOptions without store>' <socket path> (compiled; or under tsx from source)
import { createServer } from "node:net";
import { rmSync } from "node:fs";
import { MemoryStateStore, SandboxCloud, type AccountState, type SandboxOptions, type SandboxStateStore } from "../../src/cloud/sandbox/index.js";
import { seedAccountState } from "../../src/cloud/sandbox/state.js";
import { onFrames, writeFrame } from "./frames.js";
import { wireAnswer } from "./wire.js";

/**
 * MemoryStateStore without its defensive copy: callers are still serialised per account, but `fn` works
 * on the live state. That copy of the whole account on every call is, with the runtime's own copy, most
 * of the simulator's CPU (profiled); it is redundant for every caller today, because the runtime's
 * withContext already restores the state when an operation fails and the other callers only read or
 * bump a counter. BENCH_SANDBOX_EXACT=1 uses the stock MemoryStateStore instead.
 */
class LiveMemoryStore implements SandboxStateStore {
  private readonly inner = new MemoryStateStore();
  private readonly states = new Map<string, AccountState>();
  private readonly tails = new Map<string, Promise<void>>();
  async withAccount<T>(accountId: string, region: string, fn: (s: AccountState) => T | Promise<T>): Promise<T> {
    const key = `${accountId}/${region}`;
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      let s = this.states.get(key);
      if (!s) { s = seedAccountState(accountId, region); this.states.set(key, s); }
      return await fn(s);
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
  getCredentials(accessKeyId: string) { return this.inner.getCredentials(accessKeyId); }
  putCredentials(accessKeyId: string, info: Parameters<SandboxStateStore["putCredentials"]>[1]) { return this.inner.putCredentials(accessKeyId, info); }
}

const opts = JSON.parse(process.argv[2] ?? "{}") as SandboxOptions;
const socketPath = process.argv[3];
if (!socketPath) throw new Error("usage: sandbox-server.ts <options json> <socket path>");

const exact = process.env.BENCH_SANDBOX_EXACT === "1";
const CHECK = process.env.BENCH_WIRE_CHECK === "1";
if (!exact) {
  // The runtime also snapshots the whole account (structuredClone) before every operation, so that a
  // failing one leaves no trace; that copy is most of what is left of the simulator's CPU, and at 10,000
  // projects it cannot keep up on this machine. Here an account's snapshot is shallow: a failed
  // operation's partial changes would stay, and none happens mid-way in these scenarios (their failures
  // are lookups: DBInstanceNotFound, ResourceAlreadyExists). BENCH_SANDBOX_EXACT=1 keeps the stock behaviour.
  const deepClone = globalThis.structuredClone;
  const isAccountState = (v: unknown): v is AccountState =>
    !!v && typeof v === "object" && (v as AccountState).version === 1 && typeof (v as AccountState).accountId === "string" && "ecs" in v && "rds" in v;
  globalThis.structuredClone = ((value: unknown, options?: StructuredSerializeOptions) => (isAccountState(value) ? { ...value } : deepClone(value, options))) as typeof structuredClone;
}
const sandbox = new SandboxCloud({ ...opts, store: exact ? new MemoryStateStore() : new LiveMemoryStore() });
type Middleware = (next: unknown, context: unknown) => (args: unknown) => Promise<{ output: unknown }>;
let middleware!: Middleware;
sandbox.plugin().applyToStack({ add: (mw: Middleware) => { middleware = mw; } } as never);

/** An AWS error as plain data: its class is rebuilt on the other side from `service` and `name`. */
function errorData(err: unknown) {
  const e = err as Error & Record<string, unknown>;
  const props: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (typeof v !== "function") props[k] = v;
  return { ...props, name: e.name, message: e.message };
}

async function control(msg: { op: string; faults?: Record<string, number> }) {
  switch (msg.op) {
    case "counts": return { counts: Object.fromEntries(sandbox.calls.counts()), outcomes: Object.fromEntries(sandbox.calls.byOutcome()) };
    case "reset": sandbox.calls.reset(); served.count = 0; served.totalMs = 0; return {};
    case "served": return served;
    case "setFaults": sandbox.setFaults(msg.faults ?? {}); return {};
    case "memory": return process.memoryUsage();
    default: throw new Error(`unknown control op ${msg.op}`);
  }
}

/** How long this process held each request, from its arrival to the answer (injected latency included). */
const served = { count: 0, totalMs: 0 };

rmSync(socketPath, { force: true });
const server = createServer((socket) => {
  socket.setNoDelay(true);
  onFrames(socket, (msg) => {
    const arrived = performance.now();
    const run = msg.op
      ? control(msg)
      : middleware(undefined, { clientName: msg.clientName, commandName: msg.commandName })({ input: msg.input, request: { headers: msg.headers, body: msg.body } })
        .then((r) => (msg.wire ? { wire: wireAnswer(msg.clientName, msg.commandName, r.output as Record<string, unknown>), ...(CHECK ? { value: r.output } : {}) } : r.output));
    const account = () => { if (!msg.op) { served.count++; served.totalMs += performance.now() - arrived; } };
    run.then(
      (value) => { account(); writeFrame(socket, { id: msg.id, ok: true, value }); },
      (err) => { account(); writeFrame(socket, { id: msg.id, ok: false, error: errorData(err) }); },
    );
  });
  socket.on("error", () => {});
});
server.listen(socketPath, () => process.stdout.write(`ready ${socketPath}\n`));
process.on("SIGTERM", () => { server.close(); process.exit(0); });
process.on("disconnect", () => process.exit(0));
