import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname } from "node:path";
import { packagePath } from "../paths.js";
import type { DashboardState } from "./state.js";

const STATIC: Record<string, string> = {
  "/": packagePath("web", "dashboard", "index.html"),
  "/app.js": packagePath("web", "dashboard", "app.js"),
  "/style.css": packagePath("web", "dashboard", "style.css"),
  "/vendor/uPlot.iife.min.js": packagePath("node_modules", "uplot", "dist", "uPlot.iife.min.js"),
  "/vendor/uPlot.min.css": packagePath("node_modules", "uplot", "dist", "uPlot.min.css"),
};
const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

export interface DashboardServerOptions {
  host: string;
  port: number;
}

/**
 * Serves the page, a JSON snapshot, camera previews and a Server-Sent Events stream of updates. SSE rather
 * than WebSockets: one-way updates need nothing beyond node:http and the browser's EventSource.
 */
export class DashboardServer {
  private readonly server: Server;
  private readonly clients = new Set<ServerResponse>();
  private readonly frames = new Map<number, Buffer>();

  constructor(private readonly state: DashboardState) {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async listen(options: DashboardServerOptions): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(options.port, options.host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}/`;
  }

  setFrame(camera: number, jpeg: Buffer): void {
    this.frames.set(camera, jpeg);
    this.broadcast("frame", { camera });
  }

  broadcast(event: string, data: unknown): void {
    const payload = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of this.clients) client.write(payload);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    try {
      if (url.pathname === "/api/state")
        return this.send(res, 200, "application/json", JSON.stringify(this.state.snapshot()));
      if (url.pathname === "/api/events") return this.openEvents(req, res);
      const camera = /^\/camera\/(\d+)\.jpg$/.exec(url.pathname);
      if (camera) {
        const frame = this.frames.get(Number(camera[1]));
        return frame
          ? this.send(res, 200, "image/jpeg", frame)
          : this.send(res, 404, "text/plain", "no frame yet");
      }
      const file = STATIC[url.pathname];
      if (!file) return this.send(res, 404, "text/plain", "not found");
      return this.send(res, 200, MIME[extname(file)] ?? "application/octet-stream", await readFile(file));
    } catch (err) {
      this.send(res, 500, "text/plain", (err as Error).message);
    }
  }

  private openEvents(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      connection: "keep-alive",
    });
    res.write(": connected\n\n");
    this.clients.add(res);
    req.on("close", () => this.clients.delete(res));
  }

  private send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
    res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
    res.end(body);
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.end();
    this.clients.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
