export * from './mllp-client';
export * from './charge-messages';
export * from './charge-delivery';
