export * from './hash-chain';
export * from './migrations';
