/** A request an account service refuses, with a message fit to show the caller; `field` names the input to fix. */
export class AccountInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export class NotFoundError extends Error {}
