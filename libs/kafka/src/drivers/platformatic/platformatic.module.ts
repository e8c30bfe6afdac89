import type { Module } from 'node:module';

type NodeModule = typeof Module;

/**
 * @platformatic/kafka is an ES module only. Node ≥ 20.19 loads it with require(), but Jest's module
 * registry (which also stands in for `node:module`) cannot: it is loaded through Node's own require,
 * the same way in services, scripts and tests.
 */
const nodeModule = process.getBuiltinModule('node:module') as NodeModule;
export const pk = nodeModule.createRequire(__filename)('@platformatic/kafka') as typeof import('@platformatic/kafka');
