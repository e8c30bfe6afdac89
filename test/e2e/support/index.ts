export * from './sluice.harness';
export * from './topic.tap';
export * from './emulator.admin';
export * from './sluice.http';
export * from './webhook.receiver';
export * from './request.factory';
export * from './ledger.access';
export * from './batch.checks';
