// Project secrets are sealed with AES-256-GCM before they reach a row. The first key encrypts; every key
// decrypts, found by its id, so keys can be rotated without a migration (re-sealed on the next write).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

export interface Sealer {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

const keyId = (key: Buffer) => createHash("sha256").update(key).digest("hex").slice(0, 8);

export function createSealer(keys: Buffer[]): Sealer {
  if (keys.length === 0 || keys.some((k) => k.length !== 32)) throw new Error("encryption keys must be 32 bytes");
  const byId = new Map(keys.map((k) => [keyId(k), k]));
  const current = keys[0];
  const currentId = keyId(current);
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", current, iv);
      cipher.setAAD(Buffer.from(currentId));
      const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return ["v1", currentId, iv.toString("base64"), cipher.getAuthTag().toString("base64"), ct.toString("base64")].join(":");
    },
    open(sealed) {
      const [v, id, iv, tag, ct] = sealed.split(":");
      const key = byId.get(id);
      if (v !== "v1" || !key) throw new Error(`sealed value uses unknown key ${id}; is BYOC_ENCRYPTION_KEY missing an old key?`);
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(Buffer.from(tag, "base64"));
      return Buffer.concat([decipher.update(Buffer.from(ct, "base64")), decipher.final()]).toString("utf8");
    },
  };
}
