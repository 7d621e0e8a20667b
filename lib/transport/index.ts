import { LocalTransport } from "./local.js";
import type { Transport, TransportKind, TransportOptions } from "./transport.js";

export * from "./local.js";
export * from "./qos.js";
export * from "./transport.js";
export * from "./typed.js";

/**
 * The backend named by the `transport` parameter. Backends with native or ROS dependencies are imported
 * only when chosen, so the local transport works on a machine that has neither.
 */
export async function createTransport(kind: TransportKind, options: TransportOptions): Promise<Transport> {
  switch (kind) {
    case "local":
      return new LocalTransport();
    case "ros": {
      const { createRosTransport } = await import("./ros.js");
      return createRosTransport(options);
    }
    case "dds": {
      const { createDdsTransport } = await import("./dds.js");
      return createDdsTransport(options);
    }
  }
}
