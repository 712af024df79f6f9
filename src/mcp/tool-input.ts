/** A JSON Schema (2020-12) document or fragment, as plain data. */
export type JsonSchema = Record<string, unknown>;

/** What a tool takes: its JSON Schema, and the query parameters WorkOS wants comma-separated. */
export interface ToolInput {
  inputSchema: JsonSchema;
  /** Array query parameters sent as one comma-separated value (OpenAPI `explode: false`). */
  csvQuery?: string[];
}
