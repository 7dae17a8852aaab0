// One listener per replica for every watch stream (issue 12.8): a NOTIFY on the changes channel makes
// this feed read the new changes once (events joined in) and build each message once (a status change
// costs one more statement), then hand the same text to every watcher, which filters by tenant and
// project in memory. So N watchers cost what one does; before, each of them re-queried Postgres.
import type { FastifyBaseLogger } from "fastify";
import { changesAfter, CHANGES_CHANNEL, latestChangeId, type ChangeFilter, type ChangeRow } from "../store/changes.js";
import type { Store } from "../store/db.js";
import { ALL_TENANTS, readProjectStatus } from "../store/projects.js";
import { statusView } from "./views.js";

/** A change as a watcher receives it: the SSE text, and what it filters on. */
export interface FeedMessage { id: number; tenantId: string | null; projectName: string; text: string }

export interface Watcher {
  /** undefined: every tenant (an admin key without X-Tenant-Id). */
  tenantId: string | undefined;
  projectName: string | undefined;
  keyId: string;
  write(text: string): void;
  close(): void;
}

interface Entry { w: Watcher; cursor: number; queue: FeedMessage[] | undefined }

const BATCH = 500;

async function message(store: Store, c: ChangeRow): Promise<FeedMessage | undefined> {
  const base = { project: c.projectName, projectId: c.projectId };
  let event: string;
  let data: unknown;
  if (c.kind === "event") {
    if (!c.event) return undefined;
    [event, data] = ["event", { ...base, event: c.event }];
  } else if (c.kind === "deleted") {
    [event, data] = ["deleted", base];
  } else {
    const found = await readProjectStatus(store, ALL_TENANTS, c.projectId);
    if (!found) return undefined;
    [event, data] = ["status", { ...base, status: statusView(found.project, found.status) }];
  }
  return { id: c.id, tenantId: c.tenantId, projectName: c.projectName, text: `id: ${c.id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n` };
}

const wants = (w: Watcher, m: FeedMessage) =>
  (w.tenantId === undefined || m.tenantId === w.tenantId) && (w.projectName === undefined || m.projectName === w.projectName);

export class WatchFeed {
  private readonly entries = new Set<Entry>();
  /** The last change handed out; read on first need, so a server can start before its migrations ran. */
  private cursor: number | undefined;
  private running = false;
  private again = false;
  private listener: { unlisten(): Promise<void> } | undefined;

  constructor(private readonly store: Store, private readonly log: FastifyBaseLogger) {}

  async start(): Promise<void> {
    // A reconnect of the LISTEN connection may have missed notifications: read what is new then too.
    this.listener = await this.store.sql.listen(CHANGES_CHANNEL, () => void this.pump(), () => void this.pump());
  }

  async stop(): Promise<void> {
    await this.listener?.unlisten().catch(() => {});
    for (const e of this.entries) e.w.close();
  }

  /** Watchers open with one key, for the per-key cap. */
  countFor(keyId: string): number {
    let n = 0;
    for (const e of this.entries) if (e.w.keyId === keyId) n++;
    return n;
  }

  /** Closes every stream opened with the key (it was revoked, on this replica or another). */
  closeKey(keyId: string): void {
    for (const e of [...this.entries]) if (e.w.keyId === keyId) e.w.close();
  }

  /**
   * Adds a watcher from `resumeFrom` (Last-Event-ID) or from now. Live messages that arrive while the
   * missed ones are replayed wait in a queue, so none is lost or repeated. Returns the unsubscribe.
   */
  async add(w: Watcher, resumeFrom: number | undefined): Promise<() => void> {
    // Counted at once (the per-key cap), delivered to once its starting point is known.
    const entry: Entry = { w, cursor: resumeFrom ?? 0, queue: [] };
    this.entries.add(entry);
    const remove = () => { this.entries.delete(entry); };
    this.cursor ??= await latestChangeId(this.store);
    if (resumeFrom === undefined) entry.cursor = this.cursor;
    else {
      const filter: ChangeFilter = { projectName: w.projectName, tenantId: w.tenantId };
      for (;;) {
        const batch = await changesAfter(this.store, entry.cursor, filter);
        for (const c of batch) {
          const m = await message(this.store, c);
          if (m && this.entries.has(entry)) w.write(m.text);
          entry.cursor = c.id;
        }
        if (batch.length < BATCH) break;
      }
    }
    const queued = entry.queue!;
    entry.queue = undefined;
    for (const m of queued) this.deliver(entry, m);
    return remove;
  }

  private deliver(entry: Entry, m: FeedMessage) {
    if (entry.queue) { entry.queue.push(m); return; }
    if (m.id <= entry.cursor) return;
    entry.cursor = m.id;
    if (wants(entry.w, m)) entry.w.write(m.text);
  }

  /** Reads what is new once for every watcher; a NOTIFY during a read makes it read again after. */
  private async pump(): Promise<void> {
    if (this.running) { this.again = true; return; }
    if (this.cursor === undefined) return; // no watcher yet: nothing to catch up on
    this.running = true;
    try {
      do {
        this.again = false;
        for (;;) {
          const batch = await changesAfter(this.store, this.cursor!);
          for (const c of batch) {
            const m = this.entries.size === 0 ? undefined : await message(this.store, c);
            this.cursor = c.id;
            if (m) for (const e of this.entries) this.deliver(e, m);
          }
          if (batch.length < BATCH) break;
        }
      } while (this.again);
    } catch (err) {
      // The next notification (or the listener's reconnect) reads again from the same cursor.
      this.log.warn({ err: (err as Error).message }, "watch feed read failed; retrying on the next change");
    } finally {
      this.running = false;
    }
  }
}
