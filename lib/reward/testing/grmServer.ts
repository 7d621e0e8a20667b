// An OpenAI-compatible chat-completions server on 127.0.0.1 for tests and benchmarks of the grm backend
// (node:http, no external service), and helpers to read what it was sent.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";

/** One request as the server received it. */
export interface GrmCall {
  readonly body: {
    model: string;
    messages: { role: string; content: { type: string; text?: string; image_url?: { url: string } }[] }[];
    temperature: number;
    max_tokens: number;
  };
  /** The text parts, joined. */
  readonly text: string;
  /** The image_url parts' data URLs, in order. */
  readonly images: string[];
  readonly authorization: string | undefined;
}

/** The answer text (HTTP 200), or an HTTP status and raw body. */
export type GrmReply = string | { readonly status: number; readonly body: string };
export type Answerer = (call: GrmCall) => GrmReply | Promise<GrmReply>;

export interface GrmServer {
  /** The API base URL, http://127.0.0.1:<port>/v1. */
  readonly url: string;
  readonly port: number;
  readonly calls: GrmCall[];
  readonly peakInFlight: number;
  answer: Answerer;
  /** Real delay before each answer, ms. */
  delayMs: number;
  /** Stops listening and drops open connections (the server "goes away"). */
  close(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
}

/** An OpenAI chat-completions response body whose answer is `text`. */
export function chatCompletion(text: string): object {
  return {
    id: "chatcmpl-test",
    object: "chat.completion",
    choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startGrmServer(
  answer: Answerer,
  options: { delayMs?: number } = {},
): Promise<GrmServer> {
  let server: Server;
  let inFlight = 0;
  const state = {
    calls: [] as GrmCall[],
    peakInFlight: 0,
    answer,
    delayMs: options.delayMs ?? 0,
  };
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    inFlight++;
    state.peakInFlight = Math.max(state.peakInFlight, inFlight);
    try {
      if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
        res.writeHead(404).end("not found");
        return;
      }
      const body = JSON.parse(await readBody(req)) as GrmCall["body"];
      const parts = body.messages.flatMap((m) => m.content);
      const call: GrmCall = {
        body,
        text: parts.flatMap((p) => (p.type === "text" ? [p.text ?? ""] : [])).join(""),
        images: parts.flatMap((p) => (p.type === "image_url" ? [p.image_url!.url] : [])),
        authorization: req.headers.authorization,
      };
      state.calls.push(call);
      if (state.delayMs > 0) await new Promise((r) => setTimeout(r, state.delayMs));
      const reply = await state.answer(call);
      if (res.destroyed) return;
      if (typeof reply === "string") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(chatCompletion(reply)));
      } else {
        res.writeHead(reply.status, { "content-type": "text/plain" }).end(reply.body);
      }
    } catch (err) {
      if (!res.destroyed) res.writeHead(500).end(String(err));
    } finally {
      inFlight--;
    }
  };
  const listen = (port: number): Promise<Server> =>
    new Promise((resolve, reject) => {
      const s = createServer((req, res) => void handler(req, res));
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => resolve(s));
    });
  server = await listen(0);
  const port = (server.address() as AddressInfo).port;
  let open = true;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    get calls() {
      return state.calls;
    },
    get peakInFlight() {
      return state.peakInFlight;
    },
    get answer() {
      return state.answer;
    },
    set answer(a: Answerer) {
      state.answer = a;
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(ms: number) {
      state.delayMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (!open) return resolve();
        open = false;
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    restart: async () => {
      if (open) return;
      server = await listen(port);
      open = true;
    },
  };
}

/** The mean RGB colour of a data-URL image (a solid test image decodes to its colour ± JPEG error). */
export async function dataUrlColour(url: string): Promise<[number, number, number]> {
  const comma = url.indexOf(",");
  const { channels } = await sharp(Buffer.from(url.slice(comma + 1), "base64")).stats();
  return [channels[0].mean, channels[1].mean, channels[2].mean];
}

/** The data URL's image bytes, decoded from base64. */
export function dataUrlBytes(url: string): Buffer {
  return Buffer.from(url.slice(url.indexOf(",") + 1), "base64");
}
