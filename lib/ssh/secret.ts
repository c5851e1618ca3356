import { inspect } from "node:util";

// A private key held only in memory. It never serialises: toString, JSON and util.inspect all print
// "[redacted]", so a connection option or an error that carries it cannot leak it into a log or a page.
export class PrivateKey {
  readonly #pem: string;
  readonly #passphrase: string | undefined;
  constructor(pem: string, passphrase?: string) {
    this.#pem = pem;
    this.#passphrase = passphrase;
  }
  /** For the SSH layer only: the key material handed to ssh2 at connect time. */
  reveal(): { privateKey: string; passphrase?: string } {
    return this.#passphrase === undefined ? { privateKey: this.#pem } : { privateKey: this.#pem, passphrase: this.#passphrase };
  }
  toString(): string {
    return "[redacted]";
  }
  toJSON(): string {
    return "[redacted]";
  }
  [inspect.custom](): string {
    return "PrivateKey [redacted]";
  }
}
