import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
// The ledger through the code that charges it: a valuation's credit is taken by the group commit
// (ValuationRecorder), in the transaction that stores the valuation.
import type { Store } from '../../store/database.js';
import { storeTargetNames, withStore } from '../../../test/support/stores.js';
import { chargedValuation } from '../../../test/support/valuation-to-record.js';
import { insertEntryOnce, writeTransaction } from '../../store/repositories/ledger.js';
import { createAccount } from '../accounts/create-account.js';
import { createOrganisation } from '../accounts/create-organisation.js';
import { ValuationRecorder } from '../valuations/record-valuations.js';
import { addCredits } from './add-credits.js';
import { getBalance } from './get-balance.js';

/** Charges one valuation for the account, as POST /v1/valuations does: 'charged' or 'insufficient'. */
async function chargeValuation(store: Store, accountId: number): Promise<'charged' | 'insufficient'> {
  const recorded = await new ValuationRecorder(store).record(chargedValuation(accountId));
  return 'insufficient' in recorded ? 'insufficient' : 'charged';
}

for (const name of storeTargetNames()) {
  describe(`ledger on ${name}`, () => {
    it('takes an entry with a given reference once, refuses at zero, and never goes negative under concurrent charges', async () => {
      await withStore(name, async (store) => {
        const { account } = await createAccount(store, { email: 'a@example.com', credits: 5 });
        const entry = { holder: `account:${account.id}`, accountId: account.id, amount: -1, reference: 'job:j1:item:0', createdAt: new Date().toISOString() };
        assert.notEqual(await writeTransaction(store, (trx) => insertEntryOnce(trx, entry)), null);
        assert.equal(await writeTransaction(store, (trx) => insertEntryOnce(trx, entry)), null, 'the same reference again writes nothing');
        assert.equal(await getBalance(store.db, account.id), 4);

        const results = await Promise.all(Array.from({ length: 20 }, () => chargeValuation(store, account.id)));
        assert.equal(results.filter((r) => r === 'charged').length, 4);
        assert.equal(results.filter((r) => r === 'insufficient').length, 16);
        assert.equal(await getBalance(store.db, account.id), 0);
      });
    });

    it('sums exactly while another process writes the same ledger and after rolled-back debits', async () => {
      await withStore(name, async (store, target) => {
        const other = await target.open(); // a second process's connection to the same database
        try {
          const { account } = await createAccount(store, { email: 'p@example.com', credits: 30 });
          const debit = (s: typeof store) => chargeValuation(s, account.id);
          for (let i = 0; i < 5; i++) await debit(store);
          assert.equal(await getBalance(store.db, account.id), 25);
          for (let i = 0; i < 7; i++) await debit(other);
          await addCredits(other, { accountId: account.id, credits: 4 });
          assert.equal(await getBalance(store.db, account.id), 22);
          // A debit whose transaction then fails leaves nothing behind, and no sum remembers it.
          await assert.rejects(
            writeTransaction(store, async (trx) => {
              await insertEntryOnce(trx, { holder: `account:${account.id}`, accountId: account.id, amount: -1, reference: 'rolled-back', createdAt: new Date().toISOString() });
              throw new Error('caller failed after charging');
            }),
            /caller failed/,
          );
          assert.equal(await getBalance(store.db, account.id), 22);
          assert.equal(await getBalance(other.db, account.id), 22);
          // Alternating (two SQLite connections in one process cannot wait on each other's write lock).
          const results = [];
          for (let i = 0; i < 40; i++) results.push(await debit(i % 2 ? store : other));
          assert.equal(results.filter((r) => r === 'charged').length, 22);
          assert.equal(await getBalance(store.db, account.id), 0);
          assert.equal(await getBalance(other.db, account.id), 0);
          const total = await store.db.selectFrom('ledger_entries').select((eb) => eb.fn.sum<number>('amount').as('s')).where('account_id', '=', account.id).executeTakeFirstOrThrow();
          assert.equal(Number(total.s), 0);
        } finally {
          await other.close();
        }
      });
    });

    it('pools an organisation balance across its members and keeps purchases idempotent', async () => {
      await withStore(name, async (store) => {
        const org = await createOrganisation(store, 'Lender plc');
        const a = (await createAccount(store, { email: 'a@lender.example', organisationId: org.id })).account;
        const b = (await createAccount(store, { email: 'b@lender.example', organisationId: org.id })).account;
        const solo = (await createAccount(store, { email: 'solo@example.com', credits: 7 })).account;
        const bought = await addCredits(store, { accountId: a.id, credits: 3, reference: 'payment:42' });
        const retried = await addCredits(store, { accountId: a.id, credits: 3, reference: 'payment:42' });
        assert.deepEqual(bought, { balance: 3, applied: true });
        assert.deepEqual(retried, { balance: 3, applied: false });
        assert.equal(await getBalance(store.db, b.id), 3);
        assert.equal(await chargeValuation(store, b.id), 'charged');
        assert.equal(await getBalance(store.db, a.id), 2);
        assert.equal(await getBalance(store.db, solo.id), 7);
        await assert.rejects(addCredits(store, { accountId: a.id, credits: 0 }), /credits/);
        await assert.rejects(addCredits(store, { accountId: a.id, credits: 1.5 }), /credits/);
      });
    });
  });
}
