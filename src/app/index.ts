export { type AppOptions, type BollardApp, closeServer, createApp, listen } from './create-app.js';
export { DEMO_AGENTS, type DemoAgentToken, ensureDemoAgents } from './demo.js';
export { type RunningBollard, startBollard } from './start-app.js';
