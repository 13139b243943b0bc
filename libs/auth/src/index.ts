export * from './principal';
export * from './auth.errors';
export * from './token-verifier';
export * from './dev-token';
export * from './auth.decorators';
export * from './tenant-scope';
export * from './auth.guard';
export * from './auth.module';
