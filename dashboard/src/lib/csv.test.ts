import { describe, expect, it } from "vitest";
import { csvHref, toCsv } from "./csv.ts";

describe("toCsv", () => {
  it("writes RFC 4180 lines, quoting what needs it", () => {
    expect(
      toCsv([
        ["key", "n"],
        ['a,"b"', 3],
        ["two\nlines", null],
      ]),
    ).toBe('key,n\r\n"a,""b""",3\r\n"two\nlines",\r\n');
  });

  it("keeps a spreadsheet from running a sender's text as a formula, and leaves numbers alone", () => {
    expect(toCsv([["=HYPERLINK(1)", "@x", -4, "+1"]])).toBe("'=HYPERLINK(1),'@x,-4,'+1\r\n");
  });

  it("puts the file in a data link", () => {
    expect(
      decodeURIComponent(
        csvHref([["a", 1]])
          .split(",")
          .slice(1)
          .join(","),
      ),
    ).toBe("a,1\r\n");
  });
});
