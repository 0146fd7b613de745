import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { createStoreTarget, storeTargetNames, type StoreTarget } from '../support/stores.js';
import { databaseUrlOf, runCli } from './support/cli.js';

for (const name of storeTargetNames()) {
  describe(`valora accounts, keys, credits and orgs on ${name}`, () => {
    let target: StoreTarget;
    let db: string[];
    before(async () => {
      target = await createStoreTarget(name);
      await (await target.open()).close();
      db = ['--database-url', databaseUrlOf(target)];
    });
    after(async () => target.destroy());

    it('accounts create --json prints {account_id, api_key}; credits add takes an id or an email', async () => {
      const created = await runCli(['accounts', 'create', '--email', 'Ops@Example.com', '--credits', '5', '--rate-limit', '120', '--json', ...db]);
      assert.equal(created.code, 0, created.stderr);
      const out = JSON.parse(created.stdout);
      assert.deepEqual(Object.keys(out), ['account_id', 'api_key']);
      assert.match(out.api_key, /^vk_[0-9A-Za-z]{43}$/);
      const byEmail = await runCli(['credits', 'add', '--account', 'ops@example.com', '--credits', '10', '--json', ...db]);
      assert.deepEqual(JSON.parse(byEmail.stdout), { account_id: out.account_id, added: 10, balance: 15 });
      const byId = await runCli(['credits', 'add', '--account', String(out.account_id), '--credits', '1', '--reference', 'invoice-7', ...db]);
      assert.match(byId.stdout, /balance 16/);
      const again = await runCli(['credits', 'add', '--account', String(out.account_id), '--credits', '1', '--reference', 'invoice-7', ...db]);
      assert.match(again.stdout, /already applied; balance 16/);
      const shown = await runCli(['accounts', 'show', '--account', String(out.account_id), '--json', ...db]);
      assert.deepEqual(JSON.parse(shown.stdout), { user_id: out.account_id, email: 'ops@example.com', plan_type: 'standard', valuation_balance: 16, api_enabled: true, api_rate_limit: 120, organisation_id: null });
    });

    it('refuses bad input with one line naming the option, exit code 2', async () => {
      const cases = [
        ['accounts', 'create', '--email', 'not-an-email'],
        ['accounts', 'create', '--email', 'x@example.com', '--credits', '-1'],
        ['accounts', 'create', '--email', 'x@example.com', '--rate-limit', '0'],
        ['credits', 'add', '--account', 'nobody@example.com', '--credits', '3'],
        ['credits', 'add', '--account', '1', '--credits', 'many'],
        ['keys', 'revoke', '--account', '1'],
        ['orgs', 'create'],
        ['accounts', 'create', '--email', 'x@example.com', '--org', '999'],
        // unknown or incomplete options, on every command that parses its own (no stack trace)
        ['accounts', 'show', '--acount', '1'],
        ['keys', 'list', '--account'],
        ['markets', 'list', '--bogus'],
        ['import', '--bogus'],
        ['uk', 'import-ppd', '--bogus'],
        ['serve', '--bogus'],
      ];
      for (const args of cases) {
        const r = await runCli([...args, ...db]);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.match(r.stderr, /^valora: /);
        assert.ok(!/\n\s+at /.test(r.stderr));
      }
      const unknownOption = await runCli(['markets', 'list', '--bogus', ...db]);
      assert.equal(unknownOption.stderr.trim(), "valora: Unknown option '--bogus' (see --help)");
      // a missing or unknown subcommand names the choices and shows the usage
      const bare = await runCli(['accounts', ...db]);
      assert.equal(bare.code, 2);
      assert.match(bare.stderr, /^valora: accounts needs a subcommand: create, show, set\n\nusage:/);
      const unknown = await runCli(['keys', 'rotate', ...db]);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /^valora: unknown keys subcommand 'rotate'\n\nusage:/);
      const help = await runCli(['orgs', '--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /^usage:\n {2}valora orgs create/);
      const duplicate = await runCli(['accounts', 'create', '--email', 'dup@example.com', ...db]);
      assert.equal(duplicate.code, 0);
      const second = await runCli(['accounts', 'create', '--email', 'DUP@example.com', ...db]);
      assert.equal(second.code, 2);
      assert.match(second.stderr, /already exists/);
    });

    it('keys create, list and revoke; orgs pool a balance', async () => {
      const account = JSON.parse((await runCli(['accounts', 'create', '--email', 'keys@example.com', '--json', ...db])).stdout);
      const key = JSON.parse((await runCli(['keys', 'create', '--account', 'keys@example.com', '--name', 'CI', '--json', ...db])).stdout);
      assert.equal(key.name, 'CI');
      assert.match(key.key, /^vk_/);
      const listed = JSON.parse((await runCli(['keys', 'list', '--account', String(account.account_id), '--json', ...db])).stdout);
      assert.equal(listed.keys.length, 2);
      assert.ok(!JSON.stringify(listed).includes(key.key));
      const revoked = await runCli(['keys', 'revoke', '--account', String(account.account_id), '--id', String(key.id), ...db]);
      assert.equal(revoked.code, 0, revoked.stderr);

      const org = JSON.parse((await runCli(['orgs', 'create', '--name', 'Lender plc', '--json', ...db])).stdout);
      const a = JSON.parse((await runCli(['accounts', 'create', '--email', 'a@lender.example', '--org', String(org.organisation_id), '--json', ...db])).stdout);
      await runCli(['accounts', 'create', '--email', 'b@lender.example', '--org', String(org.organisation_id), ...db]);
      await runCli(['credits', 'add', '--account', String(a.account_id), '--credits', '40', ...db]);
      const balance = JSON.parse((await runCli(['credits', 'balance', '--account', 'b@lender.example', '--json', ...db])).stdout);
      assert.equal(balance.balance, 40);
      const shown = JSON.parse((await runCli(['orgs', 'show', '--org', String(org.organisation_id), '--json', ...db])).stdout);
      assert.equal(shown.balance, 40);
      assert.deepEqual(shown.members.map((m: { email: string }) => m.email), ['a@lender.example', 'b@lender.example']);
    });
  });
}

describe('a CLI command on a SQLite file another process keeps locked', () => {
  it('says which file is locked and what to do, exit 1, without a stack trace (after waiting 10 s for it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'valora-locked-'));
    const path = join(dir, 'valora.sqlite');
    // What a bulk import with the file to itself does: a rollback journal and a lock held until it commits.
    const holder = new SQLite(path);
    holder.pragma('journal_mode = DELETE');
    holder.exec('create table held (x integer)');
    holder.exec('begin exclusive');
    holder.exec('insert into held values (1)');
    try {
      const r = await runCli(['accounts', 'create', '--email', 'locked@example.com', '--database-url', path]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim(), `valora: the database ${path} is locked by another process (a bulk Price Paid import keeps it until it commits): wait for that process to finish, then try again`);
    } finally {
      holder.exec('commit');
      holder.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
