// Exit codes a script can rely on, and the one error type every command throws: a message that fits on
// one line, and the code the process exits with.

export const Exit = {
  Ok: 0,
  /** The server answered with an error (5xx, 401/403, an AWS refusal), or a wait ended badly. */
  Api: 1,
  /** Bad flags, a bad file, or a request the server rejected as invalid (400, 413, 415, 428). */
  Usage: 2,
  NotFound: 3,
  /** 409 or 412: someone else changed the project, or it is being deleted. */
  Conflict: 4,
  /** No answer from the server at all. */
  Unreachable: 5,
} as const;
export type ExitCode = (typeof Exit)[keyof typeof Exit];

export class CliError extends Error {
  constructor(message: string, readonly exitCode: ExitCode, options?: ErrorOptions) {
    super(message, options);
  }
}

export const usageError = (message: string) => new CliError(message, Exit.Usage);

export function exitCodeForStatus(status: number): ExitCode {
  if (status === 404 || status === 410) return Exit.NotFound;
  if (status === 409 || status === 412) return Exit.Conflict;
  if (status === 400 || status === 413 || status === 415 || status === 422 || status === 428) return Exit.Usage;
  return Exit.Api;
}

/** Collapses a multi-line message (an unexpected error, a stack-less cause) to the one line we print. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, " ").trim();
}
