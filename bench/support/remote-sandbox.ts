// The operator's side of bench/support/sandbox-server.ts: a CloudBackend that plugs a middleware at the
// step where SandboxCloud plugs its own (deserialize, inside the SDK's retry loop, after signing) and
// forwards each request's command, input and signed headers to the sandbox process. Errors come back
// as data and are rebuilt as the SDK's exception classes, so the operator sees what it sees in process.
import { spawn, type ChildProcess } from "node:child_process";
import { connect, type Socket } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { CloudBackend } from "../../src/cloud/clients.js";
import type { SandboxOptions } from "../../src/cloud/sandbox/index.js";
import { awsError, type SandboxService } from "../../src/cloud/sandbox/errors.js";
import { onFrames, writeFrame, type FrameMeter } from "./frames.js";
import { scriptArgs } from "./script.js";
import { answeringHandler, WIRE_CLIENTS, type WireAnswer } from "./wire.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLIENT_SERVICES: Record<string, SandboxService> = {
  STSClient: "sts", EC2Client: "ec2", RDSClient: "rds", SecretsManagerClient: "secretsmanager",
  ECSClient: "ecs", CloudWatchLogsClient: "logs", CloudWatchClient: "cloudwatch",
};

export interface SandboxProcess {
  pid: number;
  socketPath: string;
  stop(): Promise<void>;
}

/** Starts the sandbox process; resolves once it listens. */
export async function startSandboxProcess(opts: Omit<SandboxOptions, "store" | "now">): Promise<SandboxProcess> {
  const socketPath = path.join(mkdtempSync(path.join(tmpdir(), "byoc-bench-aws-")), "aws.sock");
  // BENCH_PROFILE_DIR: profile the simulated AWS too, to tell its cost from ours.
  const prof = process.env.BENCH_PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const child: ChildProcess = spawn(process.execPath, [...prof, ...scriptArgs(HERE, "sandbox-server.ts"), JSON.stringify(opts), socketPath], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, NODE_NO_WARNINGS: "1" },
  });
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`sandbox process exited with ${code} before it was ready`)));
    child.stdout!.on("data", (d: Buffer) => { if (d.toString().includes("ready")) resolve(); });
  });
  child.removeAllListeners("exit");
  return {
    pid: child.pid!,
    socketPath,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

function rebuildError(clientName: string, e: Record<string, unknown>): Error {
  const service = CLIENT_SERVICES[clientName];
  const { name, message, $metadata, ...rest } = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
  if (!service || !$metadata?.httpStatusCode) return Object.assign(new Error(message), { name, $metadata: $metadata ?? {} }, rest);
  const err = awsError(service, name, message, $metadata.httpStatusCode, rest);
  return Object.assign(err, { $metadata });
}

class Shard {
  private seq = 0;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void; clientName: string }>();
  private constructor(private readonly socket: Socket, private readonly meter: FrameMeter) {}

  static async connect(socketPath: string, meter: FrameMeter): Promise<Shard> {
    const socket = connect(socketPath);
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => { socket.once("connect", resolve); socket.once("error", reject); });
    const shard = new Shard(socket, meter);
    onFrames(socket, (msg: { id: number; ok: boolean; value?: unknown; error?: Record<string, unknown> }) => {
      const p = shard.pending.get(msg.id);
      if (!p) return;
      shard.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.value);
      else p.reject(rebuildError(p.clientName, msg.error ?? {}));
    }, meter);
    socket.unref();
    return shard;
  }

  request(msg: Record<string, unknown>, clientName = ""): Promise<any> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, clientName });
      writeFrame(this.socket, { ...msg, id }, this.meter);
    });
  }

  close() { this.socket.destroy(); }
}

const ACCESS_KEY = /Credential=([^/]+)\//;
/** Answers in AWS's wire format, parsed by the SDK (bench/support/wire.ts); BENCH_WIRE=0 hands back objects. */
const WIRE = process.env.BENCH_WIRE !== "0";
const COMMAND = Symbol("byocSandboxCommand");
/** BENCH_WIRE_CHECK=1: the sandbox sends its object too, and what the SDK read is compared with it (differences to stderr). */
const WIRE_CHECK = process.env.BENCH_WIRE_CHECK === "1";
const checked = new Set<string>();
function checkWire(clientName: string, commandName: string, value: unknown, read: Record<string, unknown> | undefined) {
  const { $metadata: _a, ...a } = (read ?? {}) as Record<string, unknown>;
  const { $metadata: _b, ...b } = (value ?? {}) as Record<string, unknown>;
  const sorted = (x: unknown): unknown => Array.isArray(x) ? x.map(sorted)
    : x && typeof x === "object" && !(x instanceof Date) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, sorted((x as Record<string, unknown>)[k])])) : x;
  const norm = (v: unknown) => JSON.stringify(sorted(v), (_k, x) => (Array.isArray(x) && x.length === 0 ? undefined : x));
  const [sa, sb] = [norm(a), norm(b)];
  if (sa === sb || checked.has(`${clientName}.${commandName}`)) return;
  checked.add(`${clientName}.${commandName}`);
  process.stderr.write(`wire check: ${clientName} ${commandName} differs\n  read ${sa.slice(0, 1500)}\n  sent ${sb.slice(0, 1500)}\n`);
}

/**
 * Connections to one or more sandbox processes (shards): the backend for Cloud, plus call counts.
 * Accounts are spread over shards by account id; a session's access key is routed to the shard that
 * issued it (learnt from the AssumeRole answer), so each account lives wholly in one shard.
 */
export class RemoteSandbox implements CloudBackend {
  private readonly keyShard = new Map<string, number>();
  /** Round trip of each call as the operator saw it (latency injected by the sandbox included), in ms. */
  readonly roundTrips = { count: 0, totalMs: 0, samples: [] as number[] };
  /**
   * This process's CPU in the bench's own transport to the sandbox processes (V8-serialising each request,
   * writing it to a Unix socket, reading and deserialising its answer): work a deployed operator does not do
   * (it has the SDK's HTTPS instead), reported so a figure can say how much of the operator's CPU it was.
   */
  readonly transport: FrameMeter = { cpuUs: 0, writes: 0, reads: 0 };
  private readonly shards: Shard[] = [];

  static async connect(socketPaths: string | string[]): Promise<RemoteSandbox> {
    const paths = Array.isArray(socketPaths) ? socketPaths : [socketPaths];
    const sandbox = new RemoteSandbox();
    sandbox.shards.push(...await Promise.all(paths.map((p) => Shard.connect(p, sandbox.transport))));
    return sandbox;
  }

  private shardOfAccount(account: string): number {
    let h = 0;
    for (const ch of account) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    return h % this.shards.length;
  }

  /** One request to the sandbox process that holds its account; a rejected one is the SDK's exception. */
  private async forward(clientName: string, commandName: string, input: Record<string, unknown>, request: { headers?: Record<string, string>; body?: unknown } | undefined, wire: boolean): Promise<unknown> {
    const body = request?.body;
    const headers = request?.headers ?? {};
    const roleArn = typeof input.RoleArn === "string" ? input.RoleArn : undefined;
    const key = ACCESS_KEY.exec(headers.authorization ?? headers.Authorization ?? "")?.[1] ?? "";
    const shard = roleArn ? this.shardOfAccount(roleArn.split(":")[4] ?? "") : (this.keyShard.get(key) ?? 0);
    const sent = performance.now();
    let output: unknown;
    try {
      output = await this.shards[shard].request({
        clientName, commandName, input, headers, wire,
        body: typeof body === "string" || body instanceof Uint8Array ? body : undefined,
      }, clientName);
    } finally {
      const rtt = performance.now() - sent;
      this.roundTrips.count++;
      this.roundTrips.totalMs += rtt;
      if (this.roundTrips.samples.length < 200_000) this.roundTrips.samples.push(rtt);
    }
    const issued = (output as { Credentials?: { AccessKeyId?: string } }).Credentials?.AccessKeyId;
    if (issued) this.keyShard.set(issued, shard);
    return output;
  }

  attach<C extends { middlewareStack: any }>(client: C): C {
    const clientName = (client as { constructor: { name: string } }).constructor.name;
    if (WIRE && WIRE_CLIENTS.has(clientName)) return this.attachOnTheWire(client, clientName);
    client.middlewareStack.add((_next: unknown, context: { clientName?: string; commandName?: string }) => async (args: { input?: Record<string, unknown>; request?: { headers?: Record<string, string>; body?: unknown } }) => {
      const output = await this.forward(context.clientName ?? clientName, context.commandName ?? "", args.input ?? {}, args.request, false);
      return { output, response: { statusCode: 200, headers: {}, body: "" } };
    }, { step: "deserialize", priority: "high", name: "byocSandbox", override: true });
    return client;
  }

  /**
   * The answer comes back in AWS's wire format and the SDK's own deserializer reads it, as it reads real
   * AWS's: the client's request handler (its HTTPS, for real AWS) is the one that asks the sandbox process.
   * The command and its input travel with the signed request (the simulator answers from them, not by
   * parsing the request body), put there by a middleware just outside the SDK's deserializer.
   */
  private attachOnTheWire<C extends { middlewareStack: any }>(client: C, clientName: string): C {
    client.middlewareStack.add((next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: { input?: Record<string, unknown>; request?: object }) => {
      const cmd: { commandName: string; input: Record<string, unknown>; value?: unknown } = { commandName: context.commandName ?? "", input: args.input ?? {} };
      if (args.request) (args.request as Record<symbol, unknown>)[COMMAND] = cmd;
      if (!WIRE_CHECK) return next(args);
      return next(args).then((r) => { checkWire(clientName, cmd.commandName, cmd.value, (r as { output?: Record<string, unknown> }).output); return r; });
    }, { step: "deserialize", priority: "high", name: "byocSandboxCommand", override: true });
    (client as unknown as { config: { requestHandler: unknown } }).config.requestHandler = answeringHandler(async (request: { headers?: Record<string, string>; body?: unknown } & Record<symbol, unknown>) => {
      const cmd = request[COMMAND] as { commandName: string; input: Record<string, unknown>; value?: unknown } | undefined;
      if (!cmd) throw new Error(`${clientName}: a request without its command reached the sandbox's request handler`);
      const { wire, value } = (await this.forward(clientName, cmd.commandName, cmd.input, request, true)) as { wire: WireAnswer; value?: unknown };
      cmd.value = value;
      return wire;
    });
    return client;
  }

  private all(msg: Record<string, unknown>): Promise<any[]> { return Promise.all(this.shards.map((s) => s.request(msg))); }

  /** Calls per "service:operation" since the last reset, as the sandbox's call log counts them (retries included). */
  async counts(): Promise<{ counts: Record<string, number>; outcomes: Record<string, number> }> {
    const sum = (maps: Record<string, number>[]) => {
      const out: Record<string, number> = {};
      for (const m of maps) for (const [k, v] of Object.entries(m)) out[k] = (out[k] ?? 0) + v;
      return out;
    };
    const parts = await this.all({ op: "counts" });
    return { counts: sum(parts.map((p) => p.counts)), outcomes: sum(parts.map((p) => p.outcomes)) };
  }
  async reset(): Promise<void> { await this.all({ op: "reset" }); }
  /** Mean time the sandbox processes held a request (injected latency included), in ms. */
  async servedMeanMs(): Promise<number> {
    const parts: Array<{ count: number; totalMs: number }> = await this.all({ op: "served" });
    const count = parts.reduce((a, p) => a + p.count, 0);
    return count ? parts.reduce((a, p) => a + p.totalMs, 0) / count : NaN;
  }
  async setFaults(faults: Record<string, number>): Promise<void> { await this.all({ op: "setFaults", faults }); }
  /** RSS of the sandbox processes, summed. */
  async rssMb(): Promise<number> { return (await this.all({ op: "memory" })).reduce((a, m) => a + m.rss, 0) / 2 ** 20; }
  close() { for (const s of this.shards) s.close(); }
}

/** `n` sandbox processes (seeds differ, so their generated ids never collide). */
export async function startSandboxShards(opts: Omit<SandboxOptions, "store" | "now">, n: number): Promise<{ pids: number[]; sockets: string[]; aws: RemoteSandbox; stop(): Promise<void> }> {
  const procs = await Promise.all(Array.from({ length: n }, (_, i) => startSandboxProcess({ ...opts, seed: (opts.seed ?? 1) + i * 7919 })));
  const aws = await RemoteSandbox.connect(procs.map((p) => p.socketPath));
  return {
    pids: procs.map((p) => p.pid),
    sockets: procs.map((p) => p.socketPath),
    aws,
    async stop() { aws.close(); await Promise.all(procs.map((p) => p.stop())); },
  };
}

export const totalCalls = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
