/** The kill switch: freeze one agent or every agent, recorded, on every replica. */
export {
  createFreezeService,
  type FreezeInput,
  type FreezeService,
  type FreezeTarget,
  MAX_FREEZE_REASON,
} from './freeze-service.js';
