export { probeDirector, installIpvsadm, applyDirector, bindVip, unbindVip, persistDirector, type DirectorProbe, type ApplyReport, type StepResult, type VipSpec, type PersistFlavor, type PersistResult } from "./ops";
export { saveLinesCore, parseSave, InvalidDesired, type IpvsCore, type PlannedStep } from "./core";
export { recordApply, withDirectorLock, type ApplyMeta } from "./record";
