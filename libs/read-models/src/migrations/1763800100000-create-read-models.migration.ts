import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The projector's read models (ADR 0501). Every table is keyed by `model_version` first: a rebuild
 * writes version N+1 beside the live version N, `projection_state` switches the active version in one
 * row update, and the old version's rows are deleted afterwards. Queries always read the active version.
 *
 * Patient-month tables carry `department_ids` (departments of the actors whose events touch that month)
 * so that every list endpoint filters by tenant, department, practitioner, program and month alike.
 * None of the derived rows carries a wall-clock timestamp: a row is a pure function of the events, which
 * is what lets a crash-and-resume run be compared row by row with a clean rebuild.
 */
export class CreateReadModels1763800100000 implements MigrationInterface {
  name = 'CreateReadModels1763800100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE projection_state (
        name              text PRIMARY KEY,
        active_version    integer NOT NULL CHECK (active_version >= 1),
        building_version  integer NULL,
        switched_at       timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`INSERT INTO projection_state (name, active_version) VALUES ('read-models', 1)`);

    await q.query(`
      CREATE TABLE projected_events (
        model_version    integer NOT NULL,
        event_id         uuid NOT NULL,
        tenant_id        text NOT NULL,
        patient_id       text NULL,
        stream_id        text NOT NULL,
        type             text NOT NULL,
        schema_version   integer NOT NULL,
        global_position  bigint NULL,
        occurred_at      timestamptz NOT NULL,
        recorded_at      timestamptz NOT NULL,
        event            jsonb NOT NULL,
        kafka_partition  integer NOT NULL,
        kafka_offset     bigint NOT NULL,
        projected_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (model_version, event_id)
      )`);
    await q.query(
      `CREATE INDEX projected_events_patient_ix ON projected_events (model_version, tenant_id, patient_id, recorded_at)`,
    );
    await q.query(
      `CREATE INDEX projected_events_position_ix ON projected_events (model_version, global_position)`,
    );
    await q.query(
      `CREATE INDEX projected_events_tenant_ref_ix ON projected_events (model_version, tenant_id) WHERE patient_id IS NULL`,
    );

    await q.query(`
      CREATE TABLE projector_offsets (
        model_version    integer NOT NULL,
        topic            text NOT NULL,
        partition        integer NOT NULL,
        next_offset      bigint NOT NULL,
        high_watermark   bigint NULL,
        max_position     bigint NULL,
        updated_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (model_version, topic, partition)
      )`);

    await q.query(`
      CREATE TABLE dead_lettered_events (
        model_version    integer NOT NULL,
        topic            text NOT NULL,
        partition        integer NOT NULL,
        kafka_offset     bigint NOT NULL,
        event_id         text NULL,
        tenant_id        text NULL,
        global_position  bigint NULL,
        error_code       text NOT NULL,
        error            jsonb NOT NULL,
        PRIMARY KEY (model_version, topic, partition, kafka_offset)
      )`);
    await q.query(
      `CREATE INDEX dead_lettered_events_tenant_ix ON dead_lettered_events (model_version, tenant_id, global_position)`,
    );

    await q.query(`
      CREATE TABLE reference_data (
        model_version    integer NOT NULL,
        tenant_id        text NOT NULL,
        kind             text NOT NULL CHECK (kind IN ('organization', 'practitioner')),
        ref_id           text NOT NULL,
        organization_id  text NULL,
        timezone         text NULL,
        org_kind         text NULL,
        role             text NULL,
        credential       text NULL,
        can_bill_em      boolean NULL,
        data             jsonb NOT NULL,
        event_id         uuid NOT NULL,
        global_position  bigint NULL,
        PRIMARY KEY (model_version, tenant_id, kind, ref_id)
      )`);

    await q.query(`
      CREATE TABLE patient_index (
        model_version    integer NOT NULL,
        tenant_id        text NOT NULL,
        patient_id       text NOT NULL,
        organization_id  text NULL,
        ref_ids          text[] NOT NULL,
        department_ids   text[] NOT NULL,
        event_count      integer NOT NULL,
        max_position     bigint NULL,
        PRIMARY KEY (model_version, tenant_id, patient_id)
      )`);
    await q.query(`CREATE INDEX patient_index_refs_ix ON patient_index USING gin (ref_ids)`);

    const patientMonth = `
        model_version    integer NOT NULL,
        tenant_id        text NOT NULL,
        patient_id       text NOT NULL,
        month            char(7) NOT NULL,
        department_ids   text[] NOT NULL`;

    await q.query(`
      CREATE TABLE month_determinations (${patientMonth},
        rules_version    text NOT NULL,
        organization_id  text NULL,
        determination    jsonb NOT NULL,
        PRIMARY KEY (model_version, tenant_id, patient_id, month)
      )`);

    await q.query(`
      CREATE TABLE monthly_minutes (${patientMonth},
        program          text NOT NULL,
        practitioner_id  text NOT NULL,
        performer_role   text NOT NULL,
        raw_minutes      integer NOT NULL,
        counted_minutes  integer NOT NULL,
        excluded_minutes integer NOT NULL,
        entry_count      integer NOT NULL,
        PRIMARY KEY (model_version, tenant_id, patient_id, month, program, practitioner_id, performer_role)
      )`);

    await q.query(`
      CREATE TABLE care_plan_versions (
        model_version    integer NOT NULL,
        tenant_id        text NOT NULL,
        patient_id       text NOT NULL,
        care_plan_id     text NOT NULL,
        version          integer NOT NULL,
        program          text NOT NULL,
        kind             text NOT NULL,
        author_id        text NOT NULL,
        effective_from   date NOT NULL,
        effective_to     date NULL,
        substantial      boolean NOT NULL,
        mdm              text NULL,
        shared_with_patient boolean NULL,
        content          jsonb NOT NULL,
        diff             jsonb NOT NULL,
        event_id         uuid NOT NULL,
        department_ids   text[] NOT NULL,
        PRIMARY KEY (model_version, tenant_id, patient_id, care_plan_id, version)
      )`);

    await q.query(`
      CREATE TABLE provider_of_record (${patientMonth},
        program          text NOT NULL,
        practitioner_id  text NOT NULL,
        PRIMARY KEY (model_version, tenant_id, patient_id, month, program)
      )`);

    await q.query(`
      CREATE TABLE eligibility (${patientMonth},
        program          text NOT NULL,
        eligible         boolean NOT NULL,
        reasons          jsonb NOT NULL,
        PRIMARY KEY (model_version, tenant_id, patient_id, month, program)
      )`);

    await q.query(`
      CREATE TABLE billing_lines (${patientMonth},
        line_no          integer NOT NULL,
        code             text NOT NULL,
        units            integer NOT NULL,
        practitioner_id  text NOT NULL,
        program          text NULL,
        service_date     text NULL,
        rules_version    text NOT NULL,
        rule             text NULL,
        counted_minutes  integer NULL,
        entry_ids        text[] NOT NULL,
        explanation      jsonb NOT NULL,
        PRIMARY KEY (model_version, tenant_id, patient_id, month, line_no)
      )`);

    await q.query(`
      CREATE TABLE excluded_entries (${patientMonth},
        seq              integer NOT NULL,
        entry_id         text NOT NULL,
        minutes          integer NOT NULL,
        reason           text NOT NULL,
        program          text NULL,
        practitioner_id  text NULL,
        PRIMARY KEY (model_version, tenant_id, patient_id, month, seq)
      )`);

    await q.query(`
      CREATE TABLE worklist (${patientMonth},
        program          text NOT NULL,
        practitioner_id  text NOT NULL,
        counted_minutes  integer NOT NULL,
        billed_codes     text[] NOT NULL,
        next_threshold   integer NULL,
        minutes_to_next  integer NULL,
        next_code        text NULL,
        PRIMARY KEY (model_version, tenant_id, patient_id, month, program, practitioner_id)
      )`);

    await q.query(`
      CREATE TABLE conflicts (${patientMonth},
        seq              integer NOT NULL,
        code             text NOT NULL,
        program          text NULL,
        practitioner_id  text NULL,
        detail           text NOT NULL,
        PRIMARY KEY (model_version, tenant_id, patient_id, month, seq)
      )`);

    // Query filters: tenant + month first (the common dashboard slice), then practitioner, program,
    // department (array containment, GIN).
    for (const table of [
      'month_determinations',
      'monthly_minutes',
      'provider_of_record',
      'eligibility',
      'billing_lines',
      'excluded_entries',
      'worklist',
      'conflicts',
    ]) {
      await q.query(`CREATE INDEX ${table}_month_ix ON ${table} (model_version, tenant_id, month)`);
      await q.query(`CREATE INDEX ${table}_departments_ix ON ${table} USING gin (department_ids)`);
    }
    for (const table of ['monthly_minutes', 'provider_of_record', 'billing_lines', 'worklist', 'conflicts']) {
      await q.query(
        `CREATE INDEX ${table}_practitioner_ix ON ${table} (model_version, tenant_id, practitioner_id, month)`,
      );
    }
    for (const table of [
      'monthly_minutes',
      'provider_of_record',
      'eligibility',
      'billing_lines',
      'worklist',
    ]) {
      await q.query(
        `CREATE INDEX ${table}_program_ix ON ${table} (model_version, tenant_id, program, month)`,
      );
    }
    await q.query(`CREATE INDEX conflicts_code_ix ON conflicts (model_version, tenant_id, code, month)`);
    await q.query(
      `CREATE INDEX care_plan_versions_author_ix ON care_plan_versions (model_version, tenant_id, author_id)`,
    );
    await q.query(
      `CREATE INDEX care_plan_versions_program_ix ON care_plan_versions (model_version, tenant_id, program)`,
    );
    await q.query(
      `CREATE INDEX care_plan_versions_departments_ix ON care_plan_versions USING gin (department_ids)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'conflicts',
      'worklist',
      'excluded_entries',
      'billing_lines',
      'eligibility',
      'provider_of_record',
      'care_plan_versions',
      'monthly_minutes',
      'month_determinations',
      'patient_index',
      'reference_data',
      'dead_lettered_events',
      'projector_offsets',
      'projected_events',
      'projection_state',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
