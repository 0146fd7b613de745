// Whose balance an account spends: its organisation's pooled balance when it has one, else its own.
export function holderOf(account: { id: number; organisation_id: number | null }): string {
  return account.organisation_id !== null ? `organisation:${account.organisation_id}` : `account:${account.id}`;
}

/** The same for an authenticated account (request.account), whose organisation was read with its key. */
export function holderOfRequester(requester: { accountId: number; organisationId: number | null }): string {
  return holderOf({ id: requester.accountId, organisation_id: requester.organisationId });
}
