import 'reflect-metadata';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  return value;
};
const toList = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : value;

/** PostgreSQL connection. */
export class DatabaseConfig {
  @IsString() host!: string;
  @Transform(toInt) @IsInt() @Min(1) @Max(65535) port!: number;
  @IsString() user!: string;
  @IsString() password!: string;
  @IsString() @MinLength(1) database!: string;
  /** Connections per app process; unset: `http.maxInFlight` + 2 (ADR 0406). */
  @Transform(toInt) @IsInt() @Min(1) @Max(200) poolMax!: number;
  /** Who provides a local PostgreSQL (deploy/local/infra.js); the apps only validate it. */
  @IsIn(['auto', 'always', 'never']) embedded!: 'auto' | 'always' | 'never';
}

/** Kafka brokers and fixed topic names. */
export class KafkaConfig {
  @Transform(toList) @IsString({ each: true }) @MinLength(3, { each: true }) brokers!: string[];
  @IsString() clientId!: string;
  @IsString() @Matches(/^[A-Za-z0-9._-]+$/) eventsTopic!: string;
  @IsString() @Matches(/^[A-Za-z0-9._-]+$/) dlqTopic!: string;
  /** Partitions of the events topic when created; unset = deploy/topics.json's declaration. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000) eventsPartitions?: number;
  @IsString() projectorGroupId!: string;
}

/** Listening ports of the four apps (ARCHITECTURE.md "Ports and fixed names"). */
export class HttpConfig {
  @IsString() host!: string;
  @Transform(toInt) @IsInt() @Min(0) @Max(65535) careApiPort!: number;
  @Transform(toInt) @IsInt() @Min(0) @Max(65535) queryApiPort!: number;
  @Transform(toInt) @IsInt() @Min(0) @Max(65535) auditPort!: number;
  @Transform(toInt) @IsInt() @Min(0) @Max(65535) projectorPort!: number;
  /** The web console (apps/console): the SPA and its proxy to the four apps (ADR 1000). */
  @Transform(toInt) @IsInt() @Min(0) @Max(65535) consolePort!: number;
  @IsString() @Matches(/^\d+(kb|mb)$/i) bodyLimit!: string;
  @Transform(toInt) @IsInt() @Min(100) requestTimeoutMs!: number;
  /**
   * How long an idle keep-alive connection stays open. Longer than a client's or a load balancer's
   * idle timeout (60 s at most load balancers), so that the client, not the server, closes it: a
   * server that closes first races a client reusing the socket ("other side closed"; ADR 0407).
   */
  @Transform(toInt) @IsInt() @Min(1000) @Max(600_000) keepAliveTimeoutMs!: number;
  /** Requests an app works on at once; later ones wait in arrival order (ADR 0406). */
  @Transform(toInt) @IsInt() @Min(1) @Max(1000) maxInFlight!: number;
  @Transform(toList) @IsString({ each: true }) corsOrigins!: string[];
  /** Sustained writes per second allowed per token subject (0 disables the limit; ADR 0802). */
  @Transform(toInt) @IsInt() @Min(0) rateLimitWritesPerSecond!: number;
  /** Writes a token subject may burst above the sustained rate. */
  @Transform(toInt) @IsInt() @Min(1) rateLimitWriteBurst!: number;
}

/** Token verification. The development key is used only when `devKeyEnabled` is true. */
export class AuthConfig {
  @IsString() issuer!: string;
  @IsString() audience!: string;
  @IsOptional() @IsString() jwksUrl?: string;
  @Transform(toBool) @IsBoolean() devKeyEnabled!: boolean;
  @IsOptional() @IsString() @MinLength(32) devKey?: string;
}

/** The web console (apps/console). */
export class ConsoleConfig {
  /** OIDC client id of the console (a public client: Authorization Code with PKCE, ADR 1001). */
  @IsString() @Matches(/^[A-Za-z0-9._:-]{1,128}$/) oidcClientId!: string;
}

/** Outbox relay. */
export class RelayConfig {
  @Transform(toBool) @IsBoolean() enabled!: boolean;
  @Transform(toInt) @IsInt() @Min(10) pollIntervalMs!: number;
  @Transform(toInt) @IsInt() @Min(1) @Max(10000) batchSize!: number;
}

/** Read side (query-api): read-your-writes wait bound and the analysts' pseudonym key. */
export class ReadSideConfig {
  /** How long a read with `minPosition` waits for the projector before answering 409. */
  @Transform(toInt) @IsInt() @Min(0) @Max(60_000) minPositionWaitMs!: number;
  /** HMAC key of the pseudonymous patient ids analysts see (issue 8); rotate per environment. */
  @IsString() @MinLength(16) pseudonymSecret!: string;
}

/** FHIR Bulk Data `$export` (ADR 1118): where NDJSON files go, how long they stay, how often workers poll. */
export class FhirExportConfig {
  /** Folder of the export files (relative = from the repository root); checked writable at boot. */
  @IsString() @MinLength(1) dir!: string;
  /** Hours a completed export's files are kept before they expire and are deleted. */
  @Transform(toInt) @IsInt() @Min(1) @Max(24 * 30) ttlHours!: number;
  /** How often an idle export worker looks for a queued job. */
  @Transform(toInt) @IsInt() @Min(50) @Max(60_000) pollMs!: number;
}

/** The HL7 v2 charge feed to the EHR (issue 16, ADR 0613). Unset keys take the defaults named. */
export class ChargeFeedConfig {
  /** `host:port` of the EHR's MLLP listener (unset: no MLLP delivery, files only). */
  @IsOptional() @Matches(/^[A-Za-z0-9.-]+:\d{1,5}$/, { message: 'must be host:port' }) mllpEndpoint?: string;
  /** MSH-5^MSH-6, receiving application and facility (unset = EHR^EHR). */
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,60}\^[A-Za-z0-9._-]{1,60}$/, { message: 'must be APPLICATION^FACILITY' })
  receiver?: string;
  /** NAKed tries before a message goes to the dead-letter list (unset = 5). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100) maxAttempts?: number;
  /** First retry delay, doubled per try up to 64x (unset = 1000). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(600_000) retryBaseMs?: number;
  /** How long to wait for an ACK (unset = 10000). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(600_000) ackTimeoutMs?: number;
}

/** The whole configuration: validated once at boot; `process.env` is read nowhere else. */
export class CareLedgerConfig {
  @IsIn(['development', 'test', 'production']) env!: 'development' | 'test' | 'production';
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) logLevel!: string;
  /** Folder with the ICD-10-CM code set and chronic indicator (shared/data). */
  @IsString() dataDir!: string;
  /** Exclusive-choice policy between compliant alternatives (RULES.md 5). */
  @IsIn(['higher_value']) exclusiveChoicePolicy!: 'higher_value';
  /** Patients of the demo health system `npm start` loads (unset = 500; tests use fewer). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(20_000) demoPatients?: number;
  /** OTLP/HTTP collector base URL (`/v1/traces` is appended); unset = no traces exported (ADR 0310). */
  @IsOptional() @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/) otelEndpoint?: string;
  @ValidateNested() @Type(() => DatabaseConfig) db!: DatabaseConfig;
  @ValidateNested() @Type(() => KafkaConfig) kafka!: KafkaConfig;
  @ValidateNested() @Type(() => HttpConfig) http!: HttpConfig;
  @ValidateNested() @Type(() => AuthConfig) auth!: AuthConfig;
  @ValidateNested() @Type(() => RelayConfig) relay!: RelayConfig;
  @ValidateNested() @Type(() => ConsoleConfig) console!: ConsoleConfig;
  @ValidateNested() @Type(() => ReadSideConfig) readSide!: ReadSideConfig;
  @ValidateNested() @Type(() => FhirExportConfig) fhirExport!: FhirExportConfig;
  @IsOptional() @ValidateNested() @Type(() => ChargeFeedConfig) chargeFeed?: ChargeFeedConfig;
}
