export * from "./annexb.ts";
export * from "./codes.ts";
export * from "./flv.ts";
export * from "./gop-cache.ts";
export * from "./scene.ts";
export * from "./sps.ts";
export * from "./viewer-gate.ts";
export * from "./wire.ts";
