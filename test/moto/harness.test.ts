// The harness itself: a machine without moto fails the suite with one line saying how to install it
// (CI never skips the moto suite), and each file's moto_server is its own, on a free local port.
import { describe, expect, test } from "vitest";
import { MOTO_MISSING, motoCommand, startMoto } from "../support/moto.js";

describe("moto harness", () => {
  test("without moto_server on PATH, one line says how to install it", () => {
    let err: Error | undefined;
    try { motoCommand({ ...process.env, PATH: "/nonexistent" }); } catch (e) { err = e as Error; }
    expect(err?.message).toBe(MOTO_MISSING);
    expect(err?.message).not.toContain("\n");
    expect(err?.message).toContain("pip install 'moto[server]");
  });

  test("moto_server starts on 127.0.0.1, resets, and stops", async () => {
    const moto = await startMoto();
    try {
      expect(moto.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await moto.reset();
      const res = await fetch(`${moto.url}/moto-api/data.json`);
      expect(res.ok).toBe(true);
    } finally {
      await moto.stop();
    }
    await expect(fetch(`${moto.url}/moto-api/`)).rejects.toThrow();
  });
});
