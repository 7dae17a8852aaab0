// Length-prefixed frames of V8-serialised values over a stream socket (Dates, Uint8Arrays and Maps
// survive, as they would through the SDK's own (de)serialisers).
import type { Socket } from "node:net";
import v8 from "node:v8";

export function writeFrame(socket: Socket, value: unknown): void {
  const body = v8.serialize(value);
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(body.length, 0);
  socket.write(Buffer.concat([head, body]));
}

export function onFrames(socket: Socket, handle: (value: any) => void): void {
  let buf: Buffer = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    while (buf.length >= 4) {
      const len = buf.readUInt32BE(0);
      if (buf.length < 4 + len) break;
      const frame = buf.subarray(4, 4 + len);
      buf = buf.subarray(4 + len);
      handle(v8.deserialize(frame));
    }
  });
}
