// The declarative cluster document: schema, validation, YAML/JSON text. Pure (no I/O).
export * from "./schema";
export * from "./validate";
export * from "./text";
export { compactDocument, jsonEqual } from "./compact";
export { documentJsonSchema, JSON_SCHEMA_ID } from "./json-schema";
export * from "./diff";
export { documentOfTable, withPanelSettings } from "./from-table";
