// Explicit injection tokens: the emulator also runs under tsx (esbuild), which emits no decorator
// metadata, so every constructor parameter names its token instead of relying on its type.
export const EMULATOR_CONFIG = Symbol('EMULATOR_CONFIG');
export const EMULATOR_LOGGER = Symbol('EMULATOR_LOGGER');
