import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { SAFE_ID_PATTERN } from '@careledger/domain';
import { ApiPropertyOptional } from '@nestjs/swagger';

/**
 * Field decorators shared by the request DTOs. They check shape and presence at the HTTP edge so
 * every bad field is named at once; the domain validator then applies the contract's finer rules
 * (offsets, IANA zones, ICD-10-CM syntax) to the event the command becomes.
 */
export const ID_MESSAGE =
  'must be an id: 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit';
export const IsId = (): PropertyDecorator => (target, key) => {
  IsString()(target, key);
  Matches(SAFE_ID_PATTERN, { message: `$property ${ID_MESSAGE}` })(target, key);
};
/** An ISO-8601 instant with an explicit offset or `Z`. */
export const IsInstant = (): PropertyDecorator => (target, key) => {
  IsString()(target, key);
  Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/, {
    message: '$property must be an ISO-8601 instant with an offset, e.g. 2025-03-04T14:00:00-05:00',
  })(target, key);
  // The pattern alone admits 2025-02-30.
  IsISO8601({ strict: true }, { message: '$property must be an ISO-8601 instant on a date that exists' })(
    target,
    key,
  );
};
/** A local calendar date `YYYY-MM-DD`. */
export const IsLocalDate = (): PropertyDecorator => (target, key) => {
  IsString()(target, key);
  Matches(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, {
    message: '$property must be a date YYYY-MM-DD',
  })(target, key);
};
/** Free text (PHI class `free-text`): bounded, never logged. */
export const IsText =
  (max = 4000): PropertyDecorator =>
  (target, key) => {
    IsString()(target, key);
    MaxLength(max)(target, key);
  };
/** A list of free-text items. */
export const IsTextList =
  (max = 200): PropertyDecorator =>
  (target, key) => {
    IsArray()(target, key);
    IsString({ each: true })(target, key);
    MaxLength(4000, { each: true })(target, key);
    ArrayMaxSize(max)(target, key);
  };
/** A list of distinct local dates `YYYY-MM-DD` (e.g. device data days), at most `max`. */
export const IsLocalDateList =
  (max: number): PropertyDecorator =>
  (target, key) => {
    IsArray()(target, key);
    ArrayMaxSize(max)(target, key);
    ArrayUnique()(target, key);
    IsString({ each: true })(target, key);
    Matches(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, {
      each: true,
      message: '$property must be dates YYYY-MM-DD',
    })(target, key);
  };
/** Minutes of work: an integer 1..1440. */
export const IsMinutes = (): PropertyDecorator => (target, key) => {
  IsInt()(target, key);
  Min(1)(target, key);
  Max(1440)(target, key);
};
/** One of a closed list. */
export const IsOneOf =
  (values: readonly string[]): PropertyDecorator =>
  (target, key) => {
    IsIn(values as string[], { message: `$property must be one of: ${values.join(', ')}` })(target, key);
  };
export { IsBoolean, IsOptional };

/**
 * The fields every command body may carry besides its event data: the actor's department (checked
 * against the token) and when the fact happened in the world.
 */
export class CommandRequestBase {
  @ApiPropertyOptional({
    description: "Department the actor works for; must be one of the token's departments",
    example: 'x-1',
  })
  @IsOptional()
  @IsId()
  departmentId?: string;

  @ApiPropertyOptional({
    description: "When it happened in the world; defaults to the command's own instant or now",
    example: '2025-03-04T14:00:00-05:00',
  })
  @IsOptional()
  @IsInstant()
  occurredAt?: string;
}
