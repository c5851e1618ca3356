// The pure IPVS core: model, parsers, planner, rendering, validation. No I/O. See README.md.
export * from "./model";
export * from "./steps";
export { IpvsParseError, TableMismatchError } from "./errors";
export { canonicalAddress, hostPort, splitHostPort, isIPv4Mapped, type AddressFamily } from "./address";
export { parseSave } from "./parse-save";
export { parseList, LIST_FORMATS, type ListFormat, type Listing, type ListedService, type ListedDestination, type Counters } from "./parse-list";
export { parseConns, isTemplate, type Connection, type Endpoint } from "./parse-conns";
export { mergeThresholds, attachCounters, type CountedTable, type CountedService, type CountedDestination } from "./merge";
export { diffTables, diffService, tablesEqual, type TableDiff, type ServiceDifference, type DestinationDifference } from "./diff";
export { plan, planReport, type PlanOptions, type PlanReport, type Conflict } from "./plan";
export { activeConnsIndex, connKey, drainDestination, drainService, type ActiveConns, type Draining, type DrainResult } from "./drain";
export { stepArgs, stepCommand, renderRestore, renderTable, serviceArgs } from "./render";
export { applySteps, KernelError } from "./kernel-model";
export { healthSteps, healthyCount, sorryWanted, type HealthDesired, type HealthService, type HealthRealServer, type HealthStatus } from "./health-plan";
export {
  serviceInputSchema, destinationInputSchema, tableInputSchema, validateService, validateTable, MAX_FORM_FWMARK,
  type ServiceInput, type DestinationInput, type FieldError, type Validated,
} from "./schema";
