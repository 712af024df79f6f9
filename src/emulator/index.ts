/**
 * A faithful local WorkOS for demos and tests. Imports nothing of Bollard's: it plays WorkOS,
 * and a mistake elsewhere in Bollard must not be mirrored here.
 */
export { DEMO_PASSWORD, DEMO_SEED, DEMO_TOTP_SECRET } from './demo-seed.js';
export type { EmulatorOptions, EmulatorSeed } from './options.js';
export {
  DEFAULT_API_KEY,
  DEFAULT_CLIENT_ID,
  DEFAULT_PORT,
  type RunningEmulator,
  startEmulator,
} from './server.js';
export { totp } from './totp.js';
export { signatureHeader } from './webhook-delivery.js';
