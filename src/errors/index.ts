export { BollardError, ERRORS, type ErrorCode } from './catalog.js';
