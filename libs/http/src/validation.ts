import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { type FieldProblem, ProblemError } from './problem';

function flatten(errors: ValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = prefix
      ? /^\d+$/.test(e.property)
        ? `${prefix}[${e.property}]`
        : `${prefix}.${e.property}`
      : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({
      field,
      // class-validator repeats the property name at the start of each message
      message: message.startsWith(`${e.property} `) ? message.slice(e.property.length + 1) : message,
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/**
 * The global DTO pipe: transforms to DTO classes, rejects unknown properties, and answers 400
 * problem+json naming every bad field (`code: REQUEST.INVALID`).
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => ProblemError.badRequest('REQUEST.INVALID', flatten(errors)),
  });
}
