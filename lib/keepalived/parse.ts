// keepalived.conf → a tree of statements (keyword, words, block), each with its FILE:LINE.
// keepalived's own rules: comments start with # or ! anywhere outside quotes; " and ' quote (and
// join: ab"c d" is one word), with shell-like escapes inside; { and } are words of their own; a block
// opens on the keyword's line or on the next. `include` (and includer/m/w/b/a) takes globs resolved
// against the including file's directory, read through an injected reader: no I/O here.
import { dirname, joinPath } from "./paths";

export interface Statement {
  keyword: string;
  args: string[];
  file: string;
  line: number;
  /** null: a plain line; []: an empty block */
  block: Statement[] | null;
}

export interface ParseIssue {
  kind: "error" | "unsupported" | "note";
  file: string;
  line: number;
  /** the statement's keyword, or "syntax" */
  keyword: string;
  message: string;
}

/** How included files are found and read: absolute POSIX paths in, text out. */
export interface ConfigReader {
  read(path: string): string;
  /** the existing files matching an absolute glob (*, ?, [..]), sorted */
  glob(pattern: string): string[];
}

export interface ParsedConfig {
  statements: Statement[];
  issues: ParseIssue[];
  /** every file read, in order */
  files: string[];
}

interface Word { text: string; line: number }

/** Splits one file into lines of words (a line may end early at a brace: braces are words). */
export function tokenize(text: string): Word[][] {
  const lines: Word[][] = [];
  let cur: Word[] = [], word = "", inWord = false, line = 1, wordLine = 1;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a BOM from an editor
  const n = text.length;
  const end = () => { if (inWord) cur.push({ text: word, line: wordLine }); word = ""; inWord = false; };
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) { end(); if (cur.length) { lines.push(cur); cur = []; } line++; continue; }
    if (c === 32 || c === 9 || c === 13) { end(); continue; }
    if (c === 35 /* # */ || c === 33 /* ! */) { const j = text.indexOf("\n", i); i = (j === -1 ? n : j) - 1; continue; }
    if (c === 123 || c === 125) { end(); cur.push({ text: c === 123 ? "{" : "}", line }); continue; }
    if (c === 92 && text.charCodeAt(i + 1) === 10) { i++; line++; continue; } // a continued line
    if (!inWord) { inWord = true; wordLine = line; }
    if (c === 34 || c === 39) { // a quoted part: up to the same quote, escapes inside
      const q = c;
      for (i++; i < n && text.charCodeAt(i) !== q; i++) {
        const d = text[i]!;
        if (d === "\\" && i + 1 < n) word += unescape(text[++i]!);
        else { if (d === "\n") line++; word += d; }
      }
      continue;
    }
    // a plain run: up to the next special character
    let j = i + 1;
    for (; j < n; j++) {
      const d = text.charCodeAt(j);
      if (d === 10 || d === 32 || d === 9 || d === 13 || d === 35 || d === 33 || d === 123 || d === 125 || d === 34 || d === 39 || d === 92) break;
    }
    word += text.slice(i, j);
    i = j - 1;
  }
  end();
  if (cur.length) lines.push(cur);
  return lines;
}

const ESC: Record<string, string> = { n: "\n", t: "\t", r: "\r", a: "\x07", b: "\b", f: "\f", v: "\v", E: "\x1b" };
function unescape(c: string): string {
  return ESC[c] ?? c;
}

const INCLUDES = new Set(["include", "includer", "includem", "includew", "includeb", "includea"]);
const MAX_DEPTH = 16;

/** Parses the file at `path` (absolute), following includes through `reader`. */
export function parseConfig(path: string, reader: ConfigReader): ParsedConfig {
  const issues: ParseIssue[] = [], files: string[] = [];
  const statements = parseFile(path, reader, issues, files, 0);
  return { statements, issues, files };
}

/** Parses one text (a paste): includes resolve against `path`'s directory. */
export function parseText(text: string, path: string, reader: ConfigReader): ParsedConfig {
  const issues: ParseIssue[] = [], files: string[] = [path];
  return { statements: build(tokenize(text), path, reader, issues, files, 0), issues, files };
}

function parseFile(path: string, reader: ConfigReader, issues: ParseIssue[], files: string[], depth: number): Statement[] {
  files.push(path);
  return build(tokenize(reader.read(path)), path, reader, issues, files, depth);
}

function build(lines: Word[][], file: string, reader: ConfigReader, issues: ParseIssue[], files: string[], depth: number): Statement[] {
  const root: Statement[] = [];
  const stack: Statement[][] = [root];
  let last: Statement | null = null; // the statement a `{` on the next line opens
  for (const words of lines) {
    let i = 0;
    while (i < words.length) {
      const w = words[i]!;
      const top = stack[stack.length - 1]!;
      if (w.text === "{") {
        if (!last || last.block) { issues.push({ kind: "error", file, line: w.line, keyword: "syntax", message: "'{' without a keyword before it" }); i++; continue; }
        last.block = [];
        stack.push(last.block);
        last = null;
        i++;
        continue;
      }
      if (w.text === "}") {
        if (stack.length === 1) issues.push({ kind: "error", file, line: w.line, keyword: "syntax", message: "'}' without a block to close" });
        else stack.pop();
        last = null;
        i++;
        continue;
      }
      let j = i;
      while (j < words.length && words[j]!.text !== "{" && words[j]!.text !== "}") j++;
      const st: Statement = { keyword: w.text, args: words.slice(i + 1, j).map((x) => x.text), file, line: w.line, block: null };
      i = j;
      if (INCLUDES.has(st.keyword)) { include(st, top, reader, issues, files, depth); last = null; continue; }
      const sigil = st.keyword[0];
      if (sigil === "$" || sigil === "@" || st.keyword.startsWith("~SEQ"))
        issues.push({ kind: "unsupported", file, line: st.line, keyword: st.keyword, message: `${sigil === "@" ? "conditional configuration" : sigil === "$" ? "parameter definitions and substitution" : "~SEQ"} (${st.keyword}) is not supported: expand it first` });
      else if (st.args.some((a) => /\$(\{|[A-Za-z_])/.test(a))) issues.push({ kind: "unsupported", file, line: st.line, keyword: st.keyword, message: `parameter substitution in "${st.args.join(" ")}" is not supported: expand it first` });
      top.push(st);
      last = st;
    }
  }
  if (stack.length > 1) {
    const open = stack.length - 1;
    issues.push({ kind: "error", file, line: lines.at(-1)?.at(-1)?.line ?? 1, keyword: "syntax", message: `${open} block${open > 1 ? "s" : ""} not closed at the end of the file` });
  }
  return root;
}

function include(st: Statement, into: Statement[], reader: ConfigReader, issues: ParseIssue[], files: string[], depth: number) {
  const [pattern] = st.args;
  if (!pattern) { issues.push({ kind: "error", file: st.file, line: st.line, keyword: st.keyword, message: `${st.keyword} needs a file name` }); return; }
  if (depth >= MAX_DEPTH) { issues.push({ kind: "error", file: st.file, line: st.line, keyword: st.keyword, message: `includes nested more than ${MAX_DEPTH} deep (a loop?)` }); return; }
  const abs = pattern.startsWith("/") ? pattern : joinPath(dirname(st.file), pattern);
  const found = /[*?[]/.test(abs) ? reader.glob(abs) : [abs];
  if (found.length === 0) { issues.push({ kind: "note", file: st.file, line: st.line, keyword: st.keyword, message: `${st.keyword} ${pattern}: no file matches` }); return; }
  for (const f of found) {
    try {
      into.push(...parseFile(f, reader, issues, files, depth + 1));
    } catch (e) {
      issues.push({ kind: "error", file: st.file, line: st.line, keyword: st.keyword, message: `${st.keyword} ${pattern}: cannot read ${f}: ${(e as Error).message}` });
    }
  }
}
