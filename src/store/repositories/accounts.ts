// Accounts and organisations: the SQL.
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../schema.js';
import type { AccountsTable, OrganisationsTable } from '../tables/accounts.js';
import { isPostgresDb } from '../database.js';
import { prepared } from './prepared.js';

export type AccountRow = Selectable<AccountsTable>;
export type OrganisationRow = Selectable<OrganisationsTable>;

export interface NewAccount {
  email: string;
  organisationId: number | null;
  planType: string;
  apiEnabled: boolean;
  rateLimit: number;
  now: string;
}

export async function insertAccount(db: Kysely<Database>, account: NewAccount): Promise<AccountRow> {
  return db
    .insertInto('accounts')
    .values({
      email: account.email,
      organisation_id: account.organisationId,
      plan_type: account.planType,
      api_enabled: account.apiEnabled ? 1 : 0,
      rate_limit: account.rateLimit,
      created_at: account.now,
      updated_at: account.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

const accountById = prepared((db, id: number) => db.selectFrom('accounts').selectAll().where('id', '=', id));

export async function findAccountById(db: Kysely<Database>, id: number): Promise<AccountRow | undefined> {
  return (await accountById(db, id))[0];
}

export async function findAccountByEmail(db: Kysely<Database>, email: string): Promise<AccountRow | undefined> {
  return db.selectFrom('accounts').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function countAccounts(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('accounts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface AccountChanges {
  organisationId?: number | null;
  planType?: string;
  apiEnabled?: boolean;
  rateLimit?: number;
}

export async function updateAccount(db: Kysely<Database>, id: number, changes: AccountChanges, now: string): Promise<AccountRow | undefined> {
  return db
    .updateTable('accounts')
    .set({
      ...(changes.organisationId !== undefined ? { organisation_id: changes.organisationId } : {}),
      ...(changes.planType !== undefined ? { plan_type: changes.planType } : {}),
      ...(changes.apiEnabled !== undefined ? { api_enabled: changes.apiEnabled ? 1 : 0 } : {}),
      ...(changes.rateLimit !== undefined ? { rate_limit: changes.rateLimit } : {}),
      updated_at: now,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/**
 * PostgreSQL: holds the account row until the transaction ends (no-op on SQLite, whose writes are
 * serialised). FOR NO KEY UPDATE, not FOR UPDATE: inserting a row that references the account (a valuation,
 * a ledger entry) takes FOR KEY SHARE on it, which FOR UPDATE would conflict with — two debits that had
 * each inserted their valuation first would deadlock upgrading.
 */
export async function lockAccount(trx: Kysely<Database>, id: number): Promise<void> {
  if (!isPostgresDb(trx)) return;
  await lockAccountRow(trx, id);
}

const lockAccountRow = prepared((db, id: number) => db.selectFrom('accounts').select('id').where('id', '=', id).forNoKeyUpdate());

/** PostgreSQL: holds the organisation row until the transaction ends (no-op on SQLite). */
export async function lockOrganisation(trx: Kysely<Database>, id: number): Promise<void> {
  if (!isPostgresDb(trx)) return;
  await trx.selectFrom('organisations').select('id').where('id', '=', id).forNoKeyUpdate().execute();
}

export async function insertOrganisation(db: Kysely<Database>, name: string, now: string): Promise<OrganisationRow> {
  return db.insertInto('organisations').values({ name, created_at: now }).returningAll().executeTakeFirstOrThrow();
}

export async function findOrganisationById(db: Kysely<Database>, id: number): Promise<OrganisationRow | undefined> {
  return db.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listOrganisationMembers(db: Kysely<Database>, organisationId: number): Promise<AccountRow[]> {
  return db.selectFrom('accounts').selectAll().where('organisation_id', '=', organisationId).orderBy('id').execute();
}
