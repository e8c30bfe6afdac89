/** The service's root pino logger; every other logger of the process is its child. */
export const ROOT_LOGGER = Symbol('sluice.root-logger');
