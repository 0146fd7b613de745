// `valora orgs create|show`: organisations pool one balance for their member accounts
// (add a member with `valora accounts create --org ID` or `valora accounts set --account A --org ID`).
import { createOrganisation } from '../../services/accounts/create-organisation.js';
import { findOrganisationById, listOrganisationMembers } from '../../store/repositories/accounts.js';
import { sumHolderBalance } from '../../store/repositories/ledger.js';
import { holderOf } from '../../services/accounts/holder.js';
import { CliError } from '../cli-error.js';
import { subcommandArgs, wholeNumber, withCliStore } from '../cli-options.js';

const USAGE = `usage:
  valora orgs create --name NAME [--json]
  valora orgs show --org ID [--json]`;

export async function run(argv: string[]): Promise<number> {
  const parsed = subcommandArgs(argv, {
    command: 'orgs',
    usage: USAGE,
    subcommands: ['create', 'show'],
    options: {
      name: { type: 'string' },
      org: { type: 'string' },
    },
  });
  if (!parsed) return 0;
  const { sub, values } = parsed;
  if (sub === 'create') {
    if (!values.name) throw new CliError('orgs create needs --name NAME');
    const name = values.name;
    return withCliStore(values, async (store) => {
      const org = await createOrganisation(store, name);
      console.log(values.json ? JSON.stringify({ organisation_id: org.id, name: org.name }) : `organisation ${org.id} created: ${org.name}`);
      return 0;
    });
  }
  const orgId = wholeNumber(values.org, 'org', 1);
  if (orgId === undefined) throw new CliError('orgs show needs --org ID');
  return withCliStore(values, async (store) => {
    const org = await findOrganisationById(store.db, orgId);
    if (!org) throw new CliError(`no organisation ${orgId}`);
    const members = await listOrganisationMembers(store.db, orgId);
    const balance = await sumHolderBalance(store.db, holderOf({ id: 0, organisation_id: orgId }));
    const out = { organisation_id: org.id, name: org.name, balance, members: members.map((m) => ({ account_id: m.id, email: m.email })) };
    console.log(JSON.stringify(out, null, values.json ? 0 : 2));
    return 0;
  });
}
