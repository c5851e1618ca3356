// keepalived.conf ⇄ the cluster document. Pure: files come through an injected ConfigReader.
export { parseConfig, parseText, tokenize, type ConfigReader, type ParsedConfig, type ParseIssue, type Statement } from "./parse";
export { dirname, globMatch, joinPath, memoryReader } from "./paths";
export { importKeepalived, previewKeepalived, type ImportResult } from "./import";
export { formatItem, type PreviewItem, type PreviewKind } from "./preview";
export { renderKeepalived, type ExportNote, type ExportResult } from "./render";
export { EXPORT_FORMATS, exportDocument, isExportFormat, type ExportFile, type ExportFormat } from "./export";
export { renderVrrpConfig, routerIdOf, InvalidHaConfig, TRACK_BEHIND, TRACK_UNCONVERGED } from "./vrrp";
