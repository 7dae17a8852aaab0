// One pino logger for the daemon: JSON lines, pretty in a terminal. Secret-bearing fields are redacted
// by path wherever they appear; the code also never passes secret values to a log call.
import pino, { type Logger } from "pino";

export const REDACT_PATHS = [
  "secrets", "*.secrets", "*.*.secrets", "password", "*.password", "*.MasterUserPassword", "MasterUserPassword",
  "SecretString", "*.SecretString", "*.*.SecretString", "uri", "*.uri", "databaseUri", "*.databaseUri",
  "token", "*.token", "req.headers.authorization", "headers.authorization", "*.SessionToken", "*.SecretAccessKey",
];

export function createLogger(level: string, opts: { pretty?: boolean; destination?: pino.DestinationStream } = {}): Logger {
  const pretty = opts.pretty ?? (process.stdout.isTTY && !opts.destination);
  const options: pino.LoggerOptions = {
    level,
    base: { svc: "byoc-operator" },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (opts.destination) return pino(options, opts.destination);
  if (pretty) return pino({ ...options, transport: { target: "pino-pretty", options: { translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname,svc" } } });
  return pino(options);
}

export type { Logger };
