import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { CareLedgerConfig } from '@careledger/config';
import { AuthGuard, TOKEN_VERIFIER } from './auth.guard';
import { TokenVerifier } from './token-verifier';

/** Registers the token verifier and {@link AuthGuard} as the app's global guard. */
@Global()
@Module({})
export class AuthModule {
  /** The guard protects every route; mark `/health` and `/docs` with `@Public()`. */
  static forRoot(config: Pick<CareLedgerConfig, 'auth'>): DynamicModule {
    return {
      module: AuthModule,
      providers: [
        { provide: TOKEN_VERIFIER, useValue: new TokenVerifier(config.auth) },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
      exports: [TOKEN_VERIFIER],
    };
  }
}
