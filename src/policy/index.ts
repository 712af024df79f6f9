export {
  type ApprovalRule,
  approvalFor,
  MAX_APPROVALS,
  selectorMatches,
  selectorProblem,
} from './approvals.js';
export {
  agentState,
  authorize,
  type Decision,
  type DecisionReason,
  type PolicySubject,
} from './authorize.js';
export { type Freeze, freezeFor, NO_CONTROLS, type PolicyControls } from './freeze.js';
export { expandGrants, type Grants, grantsAllow, parsePermission } from './grants.js';
