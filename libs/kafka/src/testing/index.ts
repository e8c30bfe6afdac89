export * from './test-kafka';
export * from './topics.fixture';
export * from './message.collector';
export * from './fixture.process';
export * from './latch';
export * from './offsets.fixture';
