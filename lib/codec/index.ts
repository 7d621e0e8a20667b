export * from "./codec.js";
export * from "./messages.js";
export * from "./registry.js";
export * from "./typeName.js";
