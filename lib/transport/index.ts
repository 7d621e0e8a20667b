import { LocalTransport } from "./local.js";
import type { Transport, TransportKind } from "./transport.js";

export * from "./local.js";
export * from "./qos.js";
export * from "./transport.js";
export * from "./typed.js";

export interface TransportOptions {
  /** The node name the middleware shows (ROS 2 node / DDS participant). */
  nodeName: string;
  /** ROS_DOMAIN_ID; defaults to the environment's, else 0. */
  domainId?: number;
}

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
