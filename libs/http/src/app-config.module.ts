import { type DynamicModule, Global, Module } from '@nestjs/common';
import { type CareLedgerConfig, loadConfig } from '@careledger/config';

/** Injection token of the validated configuration. */
export const CONFIG = Symbol('CARELEDGER_CONFIG');

/**
 * Provides the validated configuration to every module. Apps pass nothing (read once at boot);
 * tests pass an object built with `loadConfig(env, overrides)`.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config?: CareLedgerConfig): DynamicModule {
    return {
      module: AppConfigModule,
      providers: [{ provide: CONFIG, useValue: config ?? loadConfig() }],
      exports: [CONFIG],
    };
  }
}
