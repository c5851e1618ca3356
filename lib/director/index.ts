export { probeDirector, readDirectorAddresses, installIpvsadm, applyDirector, stepLine, bindVip, unbindVip, vipAddArgv, persistDirector, directorVipUnit, DIRECTOR_VIP_UNIT, DIRECTOR_VIP_UNIT_NAME, type DirectorProbe, type ApplyReport, type ApplyOptions, type StepResult, type VipSpec, type PersistFlavor, type PersistResult } from "./ops";
export { ipvsCore, planDirector, differences, readTable, InvalidDesired, type IpvsCore, type PlannedStep, type ActualRead, type DirectorDesired, type DirectorDesiredInput, type CorePlan } from "./core";
export { outcomeOf, recordApply, stepRows, type ApplyMeta } from "./record";
export { readDirector, readDirectorScript, BOTH_COUNTERS, type Counters, type DirectorRead } from "./read";
export { withDirectorLock, DirectorBusy, LeaseLost, tryTake, type DirectorLease, type LeaseOptions } from "./lease";
export { pushHaConfig, setBehind, readHa, stopHa, parseHaReading, canonicalIp, pushScript, behindScript, readHaScript, stopScript } from "./ha";
