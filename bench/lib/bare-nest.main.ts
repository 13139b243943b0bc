import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

/**
 * The HTTP baseline: a bare NestJS 11 (Express) endpoint of the same shape as care-api's
 * `POST .../patients/:patientId/care-time`, parsing the same JSON body and answering 201 with a
 * small JSON document, with no auth, validation, database or logging. What the framework alone costs
 * on this machine, measured in the same run as care-api.
 */
@Controller('v1/tenants/:tenantId')
class BareController {
  @Post('patients/:patientId/care-time')
  @HttpCode(201)
  handle(
    @Param('patientId') patientId: string,
    @Body() body: { entryId?: string },
  ): { patientId: string; entryId: string | undefined } {
    return { patientId, entryId: body.entryId };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(BareModule, { logger: false });
  await app.listen(Number(process.argv[3] ?? 0), '127.0.0.1');
}

void main();
