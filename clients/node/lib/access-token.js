// What getAccessToken() resolves to. The token itself is held in a private field behind a getter,
// so console.log, util.inspect, JSON.stringify and string templates of the object never show it:
// only `token.accessToken` does.
import { inspect } from 'node:util';

export class AccessToken {
  /** @type {string} */
  #accessToken;

  /**
   * @param {{ accessToken: string, tokenType?: unknown, expiresIn?: unknown, scopes?: unknown }} answer
   * @param {number} [receivedAt] ms since the epoch, on this machine's clock
   */
  constructor(answer, receivedAt = Date.now()) {
    this.#accessToken = answer.accessToken;
    /** `Bearer` (written as such), or the provider's type. */
    this.tokenType = typeof answer.tokenType === 'string' && answer.tokenType !== '' ? answer.tokenType : 'Bearer';
    const expiresIn = typeof answer.expiresIn === 'number' && Number.isFinite(answer.expiresIn) ? Math.max(0, answer.expiresIn) : null;
    /** Whole seconds the token had left when the agent answered; null when the provider gave no lifetime. */
    this.expiresIn = expiresIn;
    /**
     * When it expires on this machine's clock (from `expiresIn`, so a clock that differs from the
     * agent's, as over `ssh -R`, does not matter); null when the provider gave no lifetime.
     * @type {Date | null}
     */
    this.expiresAt = expiresIn === null ? null : new Date(receivedAt + expiresIn * 1000);
    /** @type {string[]} */
    this.scopes = Array.isArray(answer.scopes) ? answer.scopes.filter((s) => typeof s === 'string') : [];
  }

  /** The access token. */
  get accessToken() {
    return this.#accessToken;
  }

  /** `Bearer <token>`: the value of an Authorization header. */
  get authorization() {
    return `${this.tokenType} ${this.#accessToken}`;
  }

  /** @returns {string} */
  toString() {
    const expiry = this.expiresAt ? `expires ${this.expiresAt.toISOString()}` : 'no expiry given';
    return `AccessToken(${this.tokenType}, ${expiry}, scopes: ${this.scopes.join(' ') || '-'})`;
  }

  /** Everything but the token. */
  toJSON() {
    return { tokenType: this.tokenType, expiresAt: this.expiresAt?.toISOString() ?? null, expiresIn: this.expiresIn, scopes: this.scopes };
  }

  [inspect.custom]() {
    return this.toString();
  }
}
