// How the sandbox mints identifiers that look like AWS's (vpc-0abc…, ecs-svc/…, ASIA…, ARNs).
// Identifiers are hashes of stable inputs rather than random draws, so that a seeded run is
// reproducible and two processes sharing one state store never mint the same id: the counter
// they hash lives in the shared per-account state (see `nextSeq`).
import { createHash } from "node:crypto";
import { partitionOfRegion } from "../names.js";

export function stableHex(parts: readonly (string | number)[], length: number): string {
  let out = "";
  for (let round = 0; out.length < length; round++) {
    out += createHash("sha256").update(`${round}|${parts.join("|")}`).digest("hex");
  }
  return out.slice(0, length);
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Upper-case base32 text, as in access key ids and IAM unique ids. */
export function stableBase32(parts: readonly (string | number)[], length: number): string {
  const hex = stableHex(parts, length * 2);
  let out = "";
  for (let i = 0; i < length; i++) out += BASE32[parseInt(hex.slice(i * 2, i * 2 + 2), 16) % 32];
  return out;
}

/** Decimal digits, as in ECS deployment ids (`ecs-svc/1234567890123456789`). */
export function stableDigits(parts: readonly (string | number)[], length: number): string {
  const hex = stableHex(parts, length * 2);
  let out = "";
  for (let i = 0; i < length; i++) out += String(parseInt(hex.slice(i * 2, i * 2 + 2), 16) % 10);
  return out.replace(/^0/, "1");
}

export function stableUuid(parts: readonly (string | number)[]): string {
  const h = stableHex(parts, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Secrets Manager appends six random characters to every secret ARN. */
export function stableSuffix(parts: readonly (string | number)[]): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const hex = stableHex(parts, 12);
  let out = "";
  for (let i = 0; i < 6; i++) out += alphabet[parseInt(hex.slice(i * 2, i * 2 + 2), 16) % alphabet.length];
  return out;
}

/** The same rule as the operator's (one source), so the sandbox builds ARNs in the partition the operator expects. */
export const partitionOf = partitionOfRegion;

/** AWS's zone-id prefix for a region: us-east-1 → use1, ap-southeast-2 → apse2. */
export function zoneIdPrefix(region: string): string {
  const [geo = "xx", direction = "x", num = "1"] = region.split("-");
  const short: Record<string, string> = { northeast: "ne", southeast: "se", northwest: "nw", southwest: "sw" };
  return `${geo}${short[direction] ?? direction[0]}${num}`;
}
