import { answerText, truncate } from "./answer.js";
import type { ChatRequest } from "./request.js";
import { Semaphore } from "./semaphore.js";

export type GrmFailure = "timeout" | "connection" | "http" | "answer";

/** A request that got no answer: timeout, refused/reset connection or an HTTP error status. */
export class GrmRequestError extends Error {
  constructor(
    readonly failure: Exclude<GrmFailure, "answer">,
    message: string,
  ) {
    super(message);
    this.name = `GrmRequestError:${failure}`;
  }
}

export interface GrmClientOptions {
  /** Base URL of the OpenAI-compatible API, e.g. http://127.0.0.1:8000/v1. */
  readonly endpoint: string;
  readonly timeoutMs: number;
  readonly maxInFlight: number;
  /** Sent as `Authorization: Bearer …`; never logged. */
  readonly apiKey?: string;
}

/** Request counts of a client, for tests, benchmarks and diagnostics. */
export interface GrmCounts {
  sent: number;
  answered: number;
  failed: Record<GrmFailure, number>;
  /** Most requests in flight at one time. */
  peakInFlight: number;
}

/**
 * POSTs chat-completions requests with Node's fetch: at most `maxInFlight` at a time (the others wait their
 * turn before their timeout starts), each aborted after `timeoutMs`. Every failure is a GrmRequestError
 * naming the endpoint and the cause; the next request tries again, so a server that comes back is used again.
 */
export class GrmClient {
  readonly url: string;
  readonly counts: GrmCounts = {
    sent: 0,
    answered: 0,
    failed: { timeout: 0, connection: 0, http: 0, answer: 0 },
    peakInFlight: 0,
  };
  private readonly slots: Semaphore;
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(private readonly options: GrmClientOptions) {
    this.url = `${options.endpoint.replace(/\/+$/, "")}/chat/completions`;
    this.slots = new Semaphore(options.maxInFlight);
  }

  /** The answer text of one request. */
  complete(request: ChatRequest): Promise<string> {
    return this.slots.run(() => this.post(request));
  }

  /** Aborts what is in flight; later requests are refused. */
  close(): void {
    this.closed = true;
    for (const c of this.inFlight) c.abort(new Error("client closed"));
  }

  private async post(request: ChatRequest): Promise<string> {
    if (this.closed) throw new GrmRequestError("connection", `${this.url}: the client is closed`);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error("timeout")), this.options.timeoutMs);
    this.inFlight.add(controller);
    this.counts.sent++;
    this.counts.peakInFlight = Math.max(this.counts.peakInFlight, this.inFlight.size);
    try {
      let response: Response;
      let text: string;
      try {
        response = await fetch(this.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
          },
          body: JSON.stringify(request),
          signal: controller.signal,
        });
        text = await response.text();
      } catch (err) {
        if (controller.signal.aborted && controller.signal.reason?.message === "timeout") {
          this.counts.failed.timeout++;
          throw new GrmRequestError(
            "timeout",
            `${this.url}: no answer within ${this.options.timeoutMs} ms (grm.timeout_ms)`,
          );
        }
        this.counts.failed.connection++;
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        throw new GrmRequestError(
          "connection",
          `${this.url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
        );
      }
      if (!response.ok) {
        this.counts.failed.http++;
        throw new GrmRequestError("http", `${this.url}: HTTP ${response.status} ${truncate(text, 200)}`);
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        this.counts.failed.http++;
        throw new GrmRequestError("http", `${this.url}: response is not JSON: ${truncate(text, 200)}`);
      }
      this.counts.answered++;
      try {
        return answerText(body);
      } catch (err) {
        this.counts.failed.answer++;
        throw err;
      }
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
  }
}
