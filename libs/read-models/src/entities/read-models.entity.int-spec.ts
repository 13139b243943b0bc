import { DataSource } from 'typeorm';
import { testConfig } from '@careledger/testing/infra';
import { READ_MODEL_ENTITIES } from './read-models.entity';

/** The entities and the migrated schema agree: same columns, nullability, arrays and primary keys. */
describe('read-model entities vs the migrated schema', () => {
  const config = testConfig();
  const ds = new DataSource({
    type: 'postgres',
    host: config.db.host,
    port: config.db.port,
    username: config.db.user,
    password: config.db.password || undefined,
    database: config.db.database,
    entities: READ_MODEL_ENTITIES,
  });
  beforeAll(() => ds.initialize());
  afterAll(() => ds.destroy());

  it.each(READ_MODEL_ENTITIES.map((e) => [e.name, e] as const))('%s', async (_name, entity) => {
    const meta = ds.getMetadata(entity);
    const rows = await ds.query<{ column_name: string; is_nullable: string; data_type: string }[]>(
      `SELECT column_name, is_nullable, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
      [meta.tableName],
    );
    const db = Object.fromEntries(
      rows.map((r) => [r.column_name, { nullable: r.is_nullable === 'YES', array: r.data_type === 'ARRAY' }]),
    );
    const mapped = Object.fromEntries(
      meta.columns.map((c) => [c.databaseName, { nullable: c.isNullable, array: c.isArray }]),
    );
    expect(mapped).toEqual(db);
    const pk = await ds.query<{ attname: string }[]>(
      `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = $1::regclass AND i.indisprimary`,
      [meta.tableName],
    );
    expect(meta.primaryColumns.map((c) => c.databaseName).sort()).toEqual(pk.map((p) => p.attname).sort());
  });
});
