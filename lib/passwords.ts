import bcrypt from "bcryptjs";

const COST = 12;

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, COST);
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}

let dummy: string | undefined;
/** A hash to compare against when the account does not exist, so timing does not reveal it. */
export function dummyHash(): string {
  dummy ??= bcrypt.hashSync("not-a-real-password", COST);
  return dummy;
}
