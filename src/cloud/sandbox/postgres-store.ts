// The sandbox's state in Postgres, so several operator processes (active-active replicas, a daemon
// killed and restarted mid-create, `npm start` run twice) see one consistent simulated AWS that
// outlives any of them. The schema `byoc_sandbox` belongs to the sandbox, not to the product's
// migrations: it is created here on first use. Each (account, region) is one jsonb row, changed
// under `SELECT … FOR UPDATE` in a transaction, which is the per-account serialisation AWS itself
// gives us for free.
import postgres from "postgres";
import { seedAccountState, type AccountState } from "./state.js";
import type { SandboxStateStore, SessionCredentials } from "./store.js";

const SCHEMA_LOCK_KEY = 0x6279_6f63; // "byoc": serialises concurrent first-time schema creation

export class PostgresStateStore implements SandboxStateStore {
  private readonly sql: postgres.Sql;
  private readonly ownsConnection: boolean;
  private ready: Promise<void> | undefined;

  constructor(connection: string | postgres.Sql) {
    if (typeof connection === "string") {
      this.sql = postgres(connection, { max: 4, onnotice: () => {} });
      this.ownsConnection = true;
    } else {
      this.sql = connection;
      this.ownsConnection = false;
    }
  }

  async withAccount<T>(accountId: string, region: string, fn: (s: AccountState) => T | Promise<T>): Promise<T> {
    await this.ensureSchema();
    const result = await this.sql.begin(async (tx) => {
      let state = await lockState(tx, accountId, region);
      if (!state) {
        const seeded = seedAccountState(accountId, region);
        await tx`INSERT INTO byoc_sandbox.account_state (account_id, region, state)
                 VALUES (${accountId}, ${region}, ${tx.json(seeded as never)}) ON CONFLICT DO NOTHING`;
        state = await lockState(tx, accountId, region);
        if (!state) throw new Error(`sandbox state for ${accountId}/${region} vanished while being created`);
      }
      const before = JSON.stringify(state);
      const out = await fn(state);
      // Reads that moved nothing forward need not rewrite the row.
      if (JSON.stringify(state) !== before) {
        await tx`UPDATE byoc_sandbox.account_state SET state = ${tx.json(state as never)}, updated_at = now()
                 WHERE account_id = ${accountId} AND region = ${region}`;
      }
      return { out };
    });
    return (result as unknown as { out: T }).out;
  }

  async getCredentials(accessKeyId: string): Promise<SessionCredentials | undefined> {
    await this.ensureSchema();
    const rows = await this.sql<{ info: SessionCredentials }[]>`
      SELECT info FROM byoc_sandbox.session_credentials WHERE access_key_id = ${accessKeyId}`;
    return rows[0]?.info;
  }

  async putCredentials(accessKeyId: string, info: SessionCredentials): Promise<void> {
    await this.ensureSchema();
    await this.sql`INSERT INTO byoc_sandbox.session_credentials (access_key_id, info)
                   VALUES (${accessKeyId}, ${this.sql.json(info as never)})
                   ON CONFLICT (access_key_id) DO UPDATE SET info = EXCLUDED.info`;
  }

  /** Closes the connection pool if this store opened it from a URL. */
  async close(): Promise<void> {
    if (this.ownsConnection) await this.sql.end({ timeout: 5 });
  }

  private ensureSchema(): Promise<void> {
    this.ready ??= this.sql
      .begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK_KEY})`;
        await tx`CREATE SCHEMA IF NOT EXISTS byoc_sandbox`;
        await tx`CREATE TABLE IF NOT EXISTS byoc_sandbox.account_state (
                   account_id text NOT NULL,
                   region text NOT NULL,
                   state jsonb NOT NULL,
                   updated_at timestamptz NOT NULL DEFAULT now(),
                   PRIMARY KEY (account_id, region))`;
        await tx`CREATE TABLE IF NOT EXISTS byoc_sandbox.session_credentials (
                   access_key_id text PRIMARY KEY,
                   info jsonb NOT NULL,
                   created_at timestamptz NOT NULL DEFAULT now())`;
      })
      .then(() => undefined)
      .catch((err: unknown) => {
        this.ready = undefined; // let the next call try again (e.g. Postgres was still starting)
        throw new Error("create sandbox state schema byoc_sandbox", { cause: err });
      });
    return this.ready;
  }
}

async function lockState(tx: postgres.TransactionSql, accountId: string, region: string): Promise<AccountState | undefined> {
  const rows = await tx<{ state: AccountState }[]>`
    SELECT state FROM byoc_sandbox.account_state WHERE account_id = ${accountId} AND region = ${region} FOR UPDATE`;
  return rows[0]?.state;
}
