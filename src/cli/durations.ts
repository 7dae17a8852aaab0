// Flag values for time: "90s", "5m", "2h", "1d", or an RFC 3339 time. Bad values are commander
// argument errors, so they exit 2 with commander's one-line message.
import { InvalidArgumentError } from "commander";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError("expected a duration like 30s, 5m, 2h or 1d.");
  return Math.round(Number(m[1]) * UNIT_MS[m[2]]);
}

/** A point in time: an RFC 3339 time, or a duration meaning "that long ago". */
export function parseTime(value: string): Date {
  if (/^\d+(\.\d+)?(ms|s|m|h|d)$/.test(value.trim())) return new Date(Date.now() - parseDuration(value));
  const t = new Date(value);
  if (!/^\d{4}-\d\d-\d\dT/.test(value) || Number.isNaN(t.getTime())) {
    throw new InvalidArgumentError("expected a duration ago (10m, 2h) or a time like 2026-11-24T07:00:00Z.");
  }
  return t;
}

export function parsePositiveInt(max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) throw new InvalidArgumentError(`expected a whole number from 1 to ${max}.`);
    return Number(value);
  };
}
