// Where the simulated cloud keeps its state. One state per (account, region), changed only inside
// `withAccount`, which serialises callers per key and commits only when `fn` returns, so a failed
// operation leaves no half-made resource (the Postgres store does the same with a transaction).
// The session map (temporary access key → account and role) lives beside it so that credentials
// issued by one process are recognised by another sharing the store.
import { seedAccountState, type AccountState } from "./state.js";

export interface SessionCredentials {
  accountId: string;
  roleArn: string;
  roleName: string;
  sessionName: string;
  /** Epoch ms. */
  expiration: number;
  userId: string;
}

export interface SandboxStateStore {
  withAccount<T>(accountId: string, region: string, fn: (s: AccountState) => T | Promise<T>): Promise<T>;
  getCredentials(accessKeyId: string): Promise<SessionCredentials | undefined>;
  putCredentials(accessKeyId: string, info: SessionCredentials): Promise<void>;
}

export class MemoryStateStore implements SandboxStateStore {
  private states = new Map<string, AccountState>();
  private tails = new Map<string, Promise<void>>();
  private sessions = new Map<string, SessionCredentials>();

  async withAccount<T>(accountId: string, region: string, fn: (s: AccountState) => T | Promise<T>): Promise<T> {
    const key = `${accountId}/${region}`;
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      const working = structuredClone(this.states.get(key) ?? seedAccountState(accountId, region));
      const result = await fn(working);
      this.states.set(key, working);
      return result;
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  async getCredentials(accessKeyId: string): Promise<SessionCredentials | undefined> {
    return this.sessions.get(accessKeyId);
  }

  async putCredentials(accessKeyId: string, info: SessionCredentials): Promise<void> {
    this.sessions.set(accessKeyId, { ...info });
  }
}
