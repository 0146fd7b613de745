// Whose balance an account spends: its organisation's pooled balance when it has one, else its own.
export function holderOf(account: { id: number; organisation_id: number | null }): string {
  return account.organisation_id !== null ? `organisation:${account.organisation_id}` : `account:${account.id}`;
}
