export * from './metrics';
export * from './sdk';
export * from './tracing';
