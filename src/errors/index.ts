export { BollardError, ERRORS, type ErrorCode, errorBody } from './catalog.js';
