import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { storeTargetNames, withStore } from '../../test/support/stores.js';
import { openStore } from './database.js';
import { readCredentialGeneration } from './repositories/credential-changes.js';
import { findPropertyById } from './repositories/properties.js';

const onPostgres = storeTargetNames().includes('postgres');

describe('named statements on PostgreSQL', { skip: onPostgres ? false : 'TEST_DATABASE_URL is not set' }, () => {
  const preparedOnTheConnection = async (options: { env?: string } = {}) =>
    withStore('postgres', async (_, target) => {
      const previous = process.env.VALORA_PG_NAMED_STATEMENTS;
      if (options.env === undefined) delete process.env.VALORA_PG_NAMED_STATEMENTS;
      else process.env.VALORA_PG_NAMED_STATEMENTS = options.env;
      // One connection, so the session whose prepared statements are listed is the one that ran the queries.
      const store = await openStore({ url: target.url!, schema: target.schema, poolSize: 1 });
      try {
        assert.equal(await readCredentialGeneration(store.db), 0);
        assert.equal(await findPropertyById(store.db, 1), undefined);
        assert.equal(await readCredentialGeneration(store.db), 0, 'the second run binds the statement prepared by the first');
        const rows = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(store.db);
        return rows.rows.map((r) => r.statement);
      } finally {
        await store.close();
        if (previous === undefined) delete process.env.VALORA_PG_NAMED_STATEMENTS;
        else process.env.VALORA_PG_NAMED_STATEMENTS = previous;
      }
    });

  it('sends the hot-path queries that name their columns as named statements, never a select *', async () => {
    const statements = await preparedOnTheConnection();
    assert.ok(statements.some((s) => /select "generation" from "credential_changes"/.test(s)), statements.join('\n'));
    assert.ok(!statements.some((s) => /select \* from "properties"/.test(s)), statements.join('\n'));
  });

  it('sends nothing by name with VALORA_PG_NAMED_STATEMENTS=off', async () => {
    assert.deepEqual(await preparedOnTheConnection({ env: 'off' }), []);
  });
});
