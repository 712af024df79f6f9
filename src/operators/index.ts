/** Named operators of the admin API: roles, tokens (hashed at rest), and who may call which route. */
export {
  BOOTSTRAP_OPERATOR,
  controlAuditDraft,
  createOperatorService,
  type OperatorActor,
  type OperatorService,
  type OperatorView,
  operatorView,
} from './operator-service.js';
export {
  generateOperatorToken,
  hashOperatorToken,
  OPERATOR_TOKEN_PREFIX,
  operatorTokenHint,
} from './operator-token.js';
export { OPERATOR_ROLES, ROUTE_ROLES, requiredRole, roleAllows } from './roles.js';
