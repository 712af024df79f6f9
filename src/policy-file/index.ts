/** `bollard.yaml`: the policy file's schema, its line:column validation, loading and watching. */

export { type DeclaredAgent, policyText } from './export.js';
export { JSON_SCHEMA_PATH, policyJsonSchema, policyJsonSchemaText } from './json-schema.js';
export { formatProblems, loadPolicyFile, watchPolicyFile } from './load.js';
export { buildPolicySchema, expiryInstant, type PolicyFile } from './schema.js';
export {
  type PolicyProblem,
  type PolicyValidation,
  type ValidateOptions,
  validatePolicyText,
} from './validate.js';
