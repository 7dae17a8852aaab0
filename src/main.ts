// `npm start`: the byoc-operator daemon. Bad configuration stops here with one line naming the variable.
import { ConfigError, loadConfig } from "./config/index.js";
import { limitHeapGrowth, startDaemon, type Daemon } from "./daemon.js";
import { createLogger } from "./log.js";
import { isPostgresJsClosedSocketBug } from "./store/db.js";

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`byoc-operator: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  limitHeapGrowth();
  let running: Daemon | undefined;
  // A Postgres restart must not take the daemon down with it; anything else uncaught still does.
  process.on("uncaughtException", (err) => {
    if (isPostgresJsClosedSocketBug(err)) {
      logger.warn({ err: err.message }, "postgres.js wrote to a connection Postgres had closed (porsager/postgres#1208); replaced the connection pool");
      running?.store.recycle();
      return;
    }
    process.stderr.write(`byoc-operator: uncaught exception: ${err.stack ?? err}\n`);
    process.exit(1);
  });
  const daemon = await startDaemon(config, logger);
  running = daemon;
  const shown = config.host === "0.0.0.0" ? daemon.url.replace("0.0.0.0", "127.0.0.1") : daemon.url;
  process.stdout.write([
    "",
    `  byoc-operator is running (${config.cloud} cloud, operator ${config.operatorId})`,
    `  admin API: ${shown}    dashboard: ${shown}/    OpenAPI: ${shown}/openapi.json`,
    daemon.adminToken ? `  admin token: ${daemon.adminToken}` : "  admin tokens: from BYOC_ADMIN_TOKENS",
    daemon.adminToken ? `  try: export BYOC_URL=${shown} BYOC_TOKEN=${daemon.adminToken}` : "",
    "",
  ].join("\n") + "\n");
  let signals = 0;
  const shutdown = (sig: string) => {
    if (++signals > 1) process.exit(1);
    logger.info({ signal: sig }, "shutting down");
    const hard = setTimeout(() => { logger.error("shutdown took longer than 30 s; exiting"); process.exit(1); }, 30_000);
    hard.unref();
    daemon.stop().then(() => process.exit(0), (err) => { logger.error({ err: (err as Error).message }, "shutdown failed"); process.exit(1); });
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

// Any start failure is one line naming its cause, never a stack: the cause chain is walked for the
// innermost message a person can act on (an AWS code, a Postgres FATAL, an errno).
export function describeStartFailure(err: unknown): string {
  if (!(err instanceof Error)) return `failed to start: ${err === undefined ? "unknown error" : String(err)}`;
  const parts = [err.message];
  for (let c = err.cause; c instanceof Error && parts.length < 4; c = c.cause) if (!err.message.includes(c.message)) parts.push(c.message);
  return parts.join(": ").replace(/\s*\n\s*/g, " ");
}

main().catch((err) => {
  process.stderr.write(`byoc-operator: ${describeStartFailure(err)}\n`);
  process.exit(1);
});
