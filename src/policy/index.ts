export {
  agentState,
  authorize,
  type Decision,
  type DecisionReason,
  type PolicySubject,
} from './authorize.js';
export { expandGrants, type Grants, grantsAllow, parsePermission } from './grants.js';
