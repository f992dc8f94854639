/** @module zod error callbacks that tell a caller which field is wrong and what it should hold. */

/** "x is required: …" when the field is missing, "x must be …" when it has the wrong type. */
export function fieldError(field: string, what: string) {
  return (issue: { input?: unknown }) =>
    issue.input === undefined ? `${field} is required: ${what}` : `${field} must be ${what}`;
}
