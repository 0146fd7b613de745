import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeTargetNames, withStore } from '../../../test/support/stores.js';
import { writeTransaction } from '../../store/repositories/ledger.js';
import { createAccount } from '../accounts/create-account.js';
import { createOrganisation } from '../accounts/create-organisation.js';
import { addCredits } from './add-credits.js';
import { debitOnce } from './debit-once.js';
import { getBalance } from './get-balance.js';

for (const name of storeTargetNames()) {
  describe(`ledger on ${name}`, () => {
    it('charges a reference once, refuses at zero, and never goes negative under concurrent debits', async () => {
      await withStore(name, async (store) => {
        const { account } = await createAccount(store, { email: 'a@example.com', credits: 5 });
        const first = await writeTransaction(store, (trx) => debitOnce(trx, { accountId: account.id, reference: 'valuation:1' }));
        const again = await writeTransaction(store, (trx) => debitOnce(trx, { accountId: account.id, reference: 'valuation:1' }));
        assert.equal(first, 'charged');
        assert.equal(again, 'already_charged');
        assert.equal(await getBalance(store.db, account.id), 4);

        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => writeTransaction(store, (trx) => debitOnce(trx, { accountId: account.id, reference: `c:${i}` }))),
        );
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
          const debit = (s: typeof store, reference: string) => writeTransaction(s, (trx) => debitOnce(trx, { accountId: account.id, reference }));
          for (let i = 0; i < 5; i++) await debit(store, `a:${i}`);
          assert.equal(await getBalance(store.db, account.id), 25);
          for (let i = 0; i < 7; i++) await debit(other, `b:${i}`);
          await addCredits(other, { accountId: account.id, credits: 4 });
          assert.equal(await getBalance(store.db, account.id), 22);
          // A debit whose transaction then fails leaves nothing behind, and no sum remembers it.
          await assert.rejects(
            writeTransaction(store, async (trx) => {
              assert.equal(await debitOnce(trx, { accountId: account.id, reference: 'rolled-back' }), 'charged');
              throw new Error('caller failed after charging');
            }),
            /caller failed/,
          );
          assert.equal(await getBalance(store.db, account.id), 22);
          assert.equal(await getBalance(other.db, account.id), 22);
          // Alternating (two SQLite connections in one process cannot wait on each other's write lock).
          const results = [];
          for (let i = 0; i < 40; i++) results.push(await debit(i % 2 ? store : other, `c:${i}`));
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
        assert.equal(await writeTransaction(store, (trx) => debitOnce(trx, { accountId: b.id, reference: 'x' })), 'charged');
        assert.equal(await getBalance(store.db, a.id), 2);
        assert.equal(await getBalance(store.db, solo.id), 7);
        await assert.rejects(addCredits(store, { accountId: a.id, credits: 0 }), /credits/);
        await assert.rejects(addCredits(store, { accountId: a.id, credits: 1.5 }), /credits/);
      });
    });
  });
}
