export { ConfigError, ENVIRONMENT_VARIABLES, loadConfig } from './load.js';
export { type BollardConfig, type ConfigInput, configSchema } from './schema.js';
export { auditSinks, type SinkSpec, sinkSpec } from './sinks.js';
