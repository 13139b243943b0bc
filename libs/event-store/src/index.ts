export * from './hash-chain';
export * from './migrations';
export * from './event-store';
export * from './event-store.errors';
