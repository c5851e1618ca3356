import { describe, expect, it } from "vitest";
import { memoryReader, parseConfig, parseText, tokenize } from ".";
import { globMatch, joinPath } from "./paths";

const words = (text: string) => tokenize(text).map((l) => l.map((w) => w.text));

describe("tokenize", () => {
  it("drops # and ! comments anywhere outside quotes, keeps them inside", () => {
    expect(words('a b # c\n! all\nx "y # z" !w')).toEqual([["a", "b"], ["x", "y # z"]]);
  });
  it("quotes join and keep spaces; shell-like escapes inside quotes", () => {
    expect(words(`abcd" efg h "mnop 'q r' "a\\"b" "t\\tu"`)).toEqual([["abcd efg h mnop", "q r", 'a"b', "t\tu"]]);
  });
  it("a BOM, CRLF line ends and tabs", () => {
    expect(words("\ufeffglobal_defs {\r\n\trouter_id A\r\n}\r\n")).toEqual([["global_defs", "{"], ["router_id", "A"], ["}"]]);
  });
  it("braces are words of their own, line numbers kept, a continued line joins", () => {
    const t = tokenize("real_server 1.2.3.4 80 {weight 1}\nurl {\n path / \\\n  x\n}");
    expect(t.map((l) => l.map((w) => w.text))).toEqual([["real_server", "1.2.3.4", "80", "{", "weight", "1", "}"], ["url", "{"], ["path", "/", "x"], ["}"]]);
    expect(t[2]!.map((w) => w.line)).toEqual([3, 3, 4]);
  });
});

describe("parseText", () => {
  const r = memoryReader({});
  it("builds blocks, a block may open on the next line, one-line blocks", () => {
    const p = parseText("virtual_server 10.0.0.1 80\n{\n  lb_algo rr\n  real_server 10.0.0.2 80 { weight 2 }\n}\n", "/k.conf", r);
    expect(p.issues).toEqual([]);
    const vs = p.statements[0]!;
    expect(vs).toMatchObject({ keyword: "virtual_server", args: ["10.0.0.1", "80"], line: 1, file: "/k.conf" });
    expect(vs.block!.map((s) => [s.keyword, s.line])).toEqual([["lb_algo", 3], ["real_server", 4]]);
    expect(vs.block![1]!.block).toEqual([{ keyword: "weight", args: ["2"], file: "/k.conf", line: 4, block: null }]);
  });
  it("reports unbalanced braces with their line", () => {
    expect(parseText("a {\n b\n", "/k", r).issues).toEqual([{ kind: "error", file: "/k", line: 2, keyword: "syntax", message: "1 block not closed at the end of the file" }]);
    expect(parseText("a\n}\n", "/k", r).issues).toEqual([{ kind: "error", file: "/k", line: 2, keyword: "syntax", message: "'}' without a block to close" }]);
  });
  it("refuses parameter substitution and conditional configuration, naming the line", () => {
    const p = parseText("$VIP=10.0.0.1\nvirtual_server $VIP 80 {\n}\n@main lb_algo rr\n", "/k", r);
    expect(p.issues.map((i) => [i.kind, i.line])).toEqual([["unsupported", 1], ["unsupported", 2], ["unsupported", 4]]);
  });
});

describe("includes", () => {
  const files = {
    "/etc/keepalived/keepalived.conf": "global_defs {\n}\ninclude conf.d/*.conf\ninclude /etc/keepalived/none/*.conf\n",
    "/etc/keepalived/conf.d/b.conf": "virtual_server 10.0.0.2 80 {\n include ../rs/b.inc\n}\n",
    "/etc/keepalived/conf.d/a.conf": "virtual_server 10.0.0.1 80 {\n}\n",
    "/etc/keepalived/conf.d/c.txt": "ignored\n",
    "/etc/keepalived/rs/b.inc": "real_server 10.0.1.2 80 {\n}\n",
    "/loop.conf": "include loop.conf\n",
  };
  it("resolves globs relative to the including file, in sorted order, includes inside blocks", () => {
    const p = parseConfig("/etc/keepalived/keepalived.conf", memoryReader(files));
    expect(p.files).toEqual(["/etc/keepalived/keepalived.conf", "/etc/keepalived/conf.d/a.conf", "/etc/keepalived/conf.d/b.conf", "/etc/keepalived/rs/b.inc"]);
    expect(p.statements.map((s) => s.keyword)).toEqual(["global_defs", "virtual_server", "virtual_server"]);
    expect(p.statements[2]!.block![0]).toMatchObject({ keyword: "real_server", file: "/etc/keepalived/rs/b.inc", line: 1 });
    expect(p.issues).toEqual([{ kind: "note", file: "/etc/keepalived/keepalived.conf", line: 4, keyword: "include", message: "include /etc/keepalived/none/*.conf: no file matches" }]);
  });
  it("a missing file and an include loop are errors with the include's line", () => {
    expect(parseText("include nope.conf\n", "/x/k.conf", memoryReader(files)).issues[0]).toMatchObject({ kind: "error", file: "/x/k.conf", line: 1 });
    expect(parseConfig("/loop.conf", memoryReader(files)).issues.at(-1)!.message).toContain("nested more than 16 deep");
  });
  it("paths and globs", () => {
    expect(joinPath("/etc/keepalived", "../x/./y.conf")).toBe("/etc/x/y.conf");
    expect(globMatch("/a/*.conf", "/a/b.conf")).toBe(true);
    expect(globMatch("/a/*.conf", "/a/b/c.conf")).toBe(false);
    expect(globMatch("/a/[!x]?.conf", "/a/yz.conf")).toBe(true);
  });
});
