// `npm start`: the byoc-operator daemon. Bad configuration stops here with one line naming the variable.
import { ConfigError, loadConfig } from "./config/index.js";
import { startDaemon } from "./daemon.js";
import { createLogger } from "./log.js";

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
  const daemon = await startDaemon(config, logger);
  const shown = config.host === "0.0.0.0" ? daemon.url.replace("0.0.0.0", "127.0.0.1") : daemon.url;
  process.stdout.write([
    "",
    `  byoc-operator is running (${config.cloud} cloud, operator ${config.operatorId})`,
    `  admin API: ${shown}`,
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

main().catch((err) => {
  process.stderr.write(`byoc-operator: ${(err as Error).message}\n`);
  process.exit(1);
});
