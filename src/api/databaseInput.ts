// What a spec may ask of its RDS instance (docs/reference.md §3), checked when it is written: RDS refuses to
// shrink storage, refuses to grow it by less than 10% ("When you increase the allocated storage, it must be by
// at least 10 percent"), and never downgrades the engine. Each would fail on every pass, so each is a 400 naming
// the field now; an engine version RDS does not offer is refused the same way.
import { POSTGRES_MAJOR_VERSIONS } from "../cloud/names.js";
import type { DatabaseSpec } from "../model/project.js";
import type { FieldError } from "./problem.js";

const STORAGE = "database.allocatedStorageGb";
const ENGINE = "database.engineVersion";
const DEFAULT_STORAGE_GB = 20;
const DEFAULT_ENGINE = "16";

/** The least RDS accepts when growing `gb`: 10% more, rounded up to a whole GiB (integer arithmetic: 20 → 22). */
export const minimumStorageGrowth = (gb: number) => Math.ceil((gb * 11) / 10);

/** `16` or `16.4` → [16, 4]; a version without a minor has none. */
function parseVersion(v: string): { major: number; minor?: number } {
  const [major, minor] = v.split(".").map(Number);
  return { major, ...(minor === undefined ? {} : { minor }) };
}

/** A version RDS offers for PostgreSQL with standard support; false (and an error) when it is not. */
export function checkEngineVersion(db: DatabaseSpec, errors: FieldError[]): boolean {
  if (db.mode !== "rds") return true;
  const v = db.engineVersion ?? DEFAULT_ENGINE;
  if ((POSTGRES_MAJOR_VERSIONS as readonly string[]).includes(String(parseVersion(v).major))) return true;
  errors.push({ field: ENGINE, message: `postgres ${v} is not a version this operator creates or upgrades to on RDS: `
    + `use one of ${POSTGRES_MAJOR_VERSIONS.join(", ")} (or <major>.<minor>)` });
  return false;
}

function checkEngineChange(from: string, to: string, errors: FieldError[]) {
  const a = parseVersion(from);
  const b = parseVersion(to);
  const older = b.major < a.major || (b.major === a.major && a.minor !== undefined && b.minor !== undefined && b.minor < a.minor);
  if (!older) return;
  errors.push({ field: ENGINE, message: `RDS cannot downgrade postgres (${from} → ${to}): a downgrade is a new `
    + "database restored from a dump, not a change to this one" });
}

function checkStorageChange(from: number, to: number, errors: FieldError[]) {
  if (to < from) {
    errors.push({ field: STORAGE, message: `RDS cannot shrink storage (${from} → ${to} GiB)` });
  } else if (to > from && to < minimumStorageGrowth(from)) {
    errors.push({ field: STORAGE, message: `RDS grows storage by at least 10%: from ${from} GiB ask for at least `
      + `${minimumStorageGrowth(from)} GiB, not ${to}` });
  }
}

/** A change from `current` to `next`: engine upgrades only, storage kept or grown by at least 10%. */
export function checkDatabaseChange(current: DatabaseSpec, next: DatabaseSpec, errors: FieldError[]) {
  if (next.mode !== "rds") return;
  const was = current.mode === "rds" ? current : undefined;
  const changed = (next.engineVersion ?? DEFAULT_ENGINE) !== (was?.engineVersion ?? undefined);
  const offered = !changed || checkEngineVersion(next, errors);
  if (!was) return;
  if (offered) checkEngineChange(was.engineVersion ?? DEFAULT_ENGINE, next.engineVersion ?? DEFAULT_ENGINE, errors);
  checkStorageChange(was.allocatedStorageGb ?? DEFAULT_STORAGE_GB, next.allocatedStorageGb ?? DEFAULT_STORAGE_GB, errors);
}
