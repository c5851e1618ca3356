#!/usr/bin/env node
// `lvs`: a tiny launcher. Registers tsx so the TypeScript commands run as they are, then dispatches.
import { register } from "tsx/esm/api";

register();
const { main } = await import("./commands/main.ts");
process.exitCode = await main(process.argv.slice(2));
