// The exit codes of every `lvs` verb, local or remote (scripts may rely on them):
//   0  done: applied and verified, status read (with --desired: no drift), a dry run with nothing to do
//   1  done, but the machines say no: a step or an apply failed, the desired state was refused before
//      any command, the plan has host errors, status could not read the director or shows split brain
//   2  usage error
//   3  drift: the re-read differs from the desired state (status --desired with differences, an apply
//      that did not verify over SSH), a dry run that would change something (apply --dry-run, diff -f),
//      a real server not ready
//   4  SSH error; the JSON's error.code says which: authentication-failed, host-key-unknown,
//      host-key-changed, unreachable, timeout, permission-denied, command-failed, ipvs-unavailable
//   5  not logged in, or the panel refused the token (401) or it may not do this (403)
//   6  not found (cluster, service or real server)
//   7  refused by the panel: validation (400/413/415/422), conflict (409: exists already, apply
//      running), stale If-Match (412); a cluster document (-f FILE) with a bad value, refused before
//      anything is sent (FILE:LINE: path: message)
//   8  the panel could not be reached, or it failed (5xx; 502: a machine did not answer)
export const EXIT = { ok: 0, failed: 1, usage: 2, drift: 3, ssh: 4, auth: 5, notFound: 6, refused: 7, unreachable: 8 } as const;
