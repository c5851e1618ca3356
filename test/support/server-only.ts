// Next.js refuses server-only modules in client bundles; tests run on the server side, so it is a no-op here.
export {};
