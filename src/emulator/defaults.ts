/** The emulator's defaults, in a module of their own so the CLI can show them without loading the emulator. */
export const DEFAULT_PORT = 7602;
export const DEFAULT_API_KEY = 'sk_test_emulator';
export const DEFAULT_CLIENT_ID = 'client_emulator';
