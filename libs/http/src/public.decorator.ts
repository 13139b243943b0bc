import { SetMetadata } from '@nestjs/common';

/** Metadata key marking a route that needs no token (`/health`, `/docs`). The auth guard honours it. */
export const IS_PUBLIC_KEY = 'careledger:isPublic';

/** Marks a controller or route as reachable without a token. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);
