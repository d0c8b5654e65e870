import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'agentnest:public';

/** Lets a route through without an API key (health checks). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
