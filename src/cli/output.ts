// How answers are shown: aligned tables for people, JSON or YAML for scripts (`-o`). A single answer is
// one document; a stream (--watch, --follow) is one JSON document per line, or YAML documents.

import { readFileSync } from "node:fs";

export type Format = "table" | "json" | "yaml";
export const FORMATS: Format[] = ["table", "json", "yaml"];

export interface Out {
  format: Format;
  /** YAML's stringify, loaded only for -o yaml (the yaml package is ~70 modules to import). */
  toYaml?: (data: unknown) => string;
  isTTY: boolean;
  columns: number;
  write(text: string): void;
  /** Notes for people (stderr), so stdout stays clean for the data a script reads. */
  note(text: string): void;
}

/**
 * Where the CLI reads and writes: the process's streams for `byoc`, buffers when the tests run it in
 * process (a CLI call then costs a function call instead of a Node start-up).
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  isTTY: boolean;
  columns: number;
  /** The whole of standard input (`apply -f -`). */
  readStdin(): string;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => { process.stdout.write(text); },
    stderr: (text) => { process.stderr.write(text); },
    isTTY: Boolean(process.stdout.isTTY),
    columns: process.stdout.columns || 120,
    readStdin: () => readFileSync(0, "utf8"),
  };
}

export async function stdio(format: Format, io: CliIo): Promise<Out> {
  return {
    format,
    toYaml: format === "yaml" ? (await import("yaml")).stringify : undefined,
    isTTY: io.isTTY,
    columns: io.columns,
    write: (text) => io.stdout(text),
    note: (text) => io.stderr(text.endsWith("\n") ? text : `${text}\n`),
  };
}

/** A whole answer: the table (or text) for people, the data itself for -o json|yaml. */
export function show(out: Out, data: unknown, human: () => string): void {
  if (out.format === "json") out.write(`${JSON.stringify(data, null, 2)}\n`);
  else if (out.format === "yaml") out.write(out.toYaml!(data));
  else {
    const text = human();
    out.write(text.endsWith("\n") || text === "" ? text : `${text}\n`);
  }
}

/** One item of a stream. */
export function showStreamed(out: Out, data: unknown, human: () => string): void {
  if (out.format === "json") out.write(`${JSON.stringify(data)}\n`);
  else if (out.format === "yaml") out.write(`---\n${out.toYaml!(data)}`);
  else out.write(`${human()}\n`);
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("   ").trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

/** "5s", "3m", "2h", "4d": how long ago, as kubectl shows it. */
export function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** "2026-11-24 07:10:03" (UTC): sortable, and short enough for a column. */
export function clock(iso: string): string {
  return iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "");
}

/** The image without its registry host: `agent:v1` for `123….dkr.ecr.us-east-1.amazonaws.com/agent:v1`. */
export function shortImage(uri: string): string {
  const slash = uri.indexOf("/");
  return slash >= 0 && uri.slice(0, slash).includes(".") ? uri.slice(slash + 1) : uri;
}

export function truncate(s: string, width: number): string {
  return s.length <= width ? s : `${s.slice(0, Math.max(0, width - 1))}…`;
}

/** A JSON scalar as it reads in a diff line. */
export function scalar(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}
