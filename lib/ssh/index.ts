export { SshPool, sshPool, type PoolOptions, type ExecOptions } from "./pool";
export { SshError, isSshError, classifyFailure, isIpvsUnavailable, SSH_ERROR_CODES, SSH_ERROR_HINTS, type SshErrorCode, type SshErrorDetails } from "./errors";
export { shQuote, shJoin, scriptText, sudoArgv, HELPER_BIN } from "./quote";
export { PrivateKey } from "./secret";
export { fetchHostKey, fingerprintOf, algorithmOf, isFingerprint, type PresentedHostKey } from "./hostkey";
export { targetLabel, type SshTarget, type ExecResult } from "./types";
export { knownHostKeys } from "./knownhosts";
export { HELPER, HELPER_PATH, HELPER_SUDOERS, HA_FILES, HA_OPS_SCRIPT, helperInstallScript, helperSudoersLine, installSudoHelper } from "./helper";
