export * from './kafka.errors';
export * from './kafka-client';
export * from './topics';
export * from './headers';
export * from './event-message';
export * from './dlq';
export * from './consumer-runner';
export * from './topic-scanner';
