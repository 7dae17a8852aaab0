// An operator (engine, optionally the admin API) in a process of its own, for the scenarios that need
// one apart from the measuring process: replicas, and the API under autocannon. Reached over the
// simulated AWS's sockets; prints "ready <api url>" and stops cleanly on SIGTERM.
// Started as: node bench/support/operator-process.js '<json options>' (compiled; or under tsx from source)
import { MemoryStateStore, SandboxCloud } from "../../src/cloud/sandbox/index.js";
import { startOperator } from "./operator.js";
import { RemoteSandbox } from "./remote-sandbox.js";

interface Options { databaseUrl: string; sockets?: string[]; operatorId: string; concurrency?: number; pollMs?: number; api?: boolean; countQueries?: boolean }
const o = JSON.parse(process.argv[2] ?? "{}") as Options;

const aws = o.sockets?.length ? await RemoteSandbox.connect(o.sockets) : new SandboxCloud({ store: new MemoryStateStore() });
const op = await startOperator({ databaseUrl: o.databaseUrl, aws, operatorId: o.operatorId, concurrency: o.concurrency, pollMs: o.pollMs, api: o.api, countQueries: o.countQueries });
process.stdout.write(`ready ${op.url ?? "-"}\n`);
process.on("SIGTERM", () => {
  op.stop().then(() => process.exit(0), () => process.exit(1));
});
