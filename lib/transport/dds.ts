import type { TransportOptions } from "./index.js";
import type { Transport } from "./transport.js";

/** The Cyclone DDS backend is built in its own issue; until then choosing it fails at start. */
export async function createDdsTransport(_options: TransportOptions): Promise<Transport> {
  throw new Error("the dds transport is not available in this build; use transport:=local or transport:=ros");
}
