import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The billing office's side (issue 16, ADR 0612/0613): the charge messages the feed built and their
 * delivery state, and the restatements of closed months.
 *
 * - `charge_messages`: one DFT^P03 per (source, patient, billing practitioner), where the source is
 *   a close or a restatement. The HL7 text is built once and re-sent byte for byte, so a charge never
 *   goes out under two control ids (the unique key is the guarantee). `status` moves
 *   pending -> acknowledged, or pending -> dead_lettered after a NAK that retries did not clear.
 * - `charge_restatements`: the correction of one closed patient-month: the lines to reverse and to
 *   add and the explanation diff; open -> sent -> acknowledged, or resolved by hand with a reason.
 */
export class CreateChargeFeed1763801600000 implements MigrationInterface {
  name = 'CreateChargeFeed1763801600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE charge_restatements (
        tenant_id        text NOT NULL,
        restatement_id   text NOT NULL,
        organization_id  text NOT NULL,
        month            char(7) NOT NULL,
        close_id         text NOT NULL,
        patient_id       text NOT NULL,
        seq              integer NOT NULL,
        diff             jsonb NOT NULL,
        status           text NOT NULL DEFAULT 'open'
                         CHECK (status IN ('open', 'sent', 'acknowledged', 'resolved')),
        created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
        resolved_by      text NULL,
        resolution_reason text NULL,
        PRIMARY KEY (tenant_id, restatement_id),
        UNIQUE (tenant_id, close_id, patient_id, seq)
      )`);
    await q.query(
      `CREATE INDEX charge_restatements_month_ix ON charge_restatements (tenant_id, month, organization_id, status)`,
    );
    await q.query(`
      CREATE TABLE charge_messages (
        control_id       text PRIMARY KEY,
        tenant_id        text NOT NULL,
        organization_id  text NOT NULL,
        month            char(7) NOT NULL,
        close_id         text NOT NULL,
        source_id        text NOT NULL,
        restatement_id   text NULL,
        patient_id       text NOT NULL,
        practitioner_id  text NOT NULL,
        original_control_id text NULL,
        hl7              text NOT NULL,
        units_by_code    jsonb NOT NULL,
        transactions     jsonb NOT NULL,
        status           text NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'acknowledged', 'dead_lettered')),
        attempts         integer NOT NULL DEFAULT 0,
        last_ack_code    text NULL,
        last_error       text NULL,
        next_attempt_at  timestamptz NULL,
        created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
        sent_at          timestamptz NULL,
        acknowledged_at  timestamptz NULL,
        UNIQUE (tenant_id, source_id, patient_id, practitioner_id),
        FOREIGN KEY (tenant_id, restatement_id) REFERENCES charge_restatements (tenant_id, restatement_id)
      )`);
    await q.query(
      `CREATE INDEX charge_messages_month_ix ON charge_messages (tenant_id, month, organization_id, status)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE charge_messages`);
    await q.query(`DROP TABLE charge_restatements`);
  }
}
