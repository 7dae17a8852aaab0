// Length-prefixed frames of V8-serialised values over a stream socket (Dates, Uint8Arrays and Maps
// survive, as they would through the SDK's own (de)serialisers).
import type { Socket } from "node:net";
import v8 from "node:v8";

/** CPU of this thread spent framing, writing and reading frames (the bench's transport, not the operator's work). */
export interface FrameMeter { cpuUs: number; writes: number; reads: number }

const threadCpu: () => { user: number; system: number } =
  (process as { threadCpuUsage?: () => { user: number; system: number } }).threadCpuUsage?.bind(process) ?? (() => process.cpuUsage());
const usNow = () => { const u = threadCpu(); return u.user + u.system; };

export function writeFrame(socket: Socket, value: unknown, meter?: FrameMeter): void {
  const t0 = meter ? usNow() : 0;
  const body = v8.serialize(value);
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(body.length, 0);
  socket.write(Buffer.concat([head, body]));
  if (meter) { meter.cpuUs += usNow() - t0; meter.writes++; }
}

export function onFrames(socket: Socket, handle: (value: any) => void, meter?: FrameMeter): void {
  let buf: Buffer = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    const t0 = meter ? usNow() : 0;
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    while (buf.length >= 4) {
      const len = buf.readUInt32BE(0);
      if (buf.length < 4 + len) break;
      const frame = buf.subarray(4, 4 + len);
      buf = buf.subarray(4 + len);
      if (meter) meter.reads++;
      handle(v8.deserialize(frame));
    }
    if (meter) meter.cpuUs += usNow() - t0;
  });
}
