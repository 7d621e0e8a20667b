/** The replay cannot start: bad parameters, output or model for this bag (exit 2), or nothing to score (3). */
export class ReplayError extends Error {
  constructor(
    message: string,
    readonly reason: "usage" | "no-cameras",
  ) {
    super(message);
    this.name = "ReplayError";
  }
}
