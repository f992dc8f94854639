/** @module Who makes a call: the agent it acts as, and the token it authenticated with (if any). */
export interface Caller {
  agentId: string;
  /** SHA-256 of the agent token (token mode); per-token limits are kept under it. */
  tokenDigest?: string;
}
