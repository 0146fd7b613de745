/** A subject field that is missing, impossible or of the wrong type; `field` names it for the caller. */
export class InvalidSubjectError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidSubjectError';
  }
}

/** A valuation the loaded models cannot make honestly (e.g. dated before every model's training cutoff). */
export class NoModelForDateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoModelForDateError';
  }
}
