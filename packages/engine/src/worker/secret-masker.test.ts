import { describe, expect, it } from "vitest";
import { base64Forms, MASK, SecretMasker } from "./secret-masker.js";

const SECRET = 'Tok/en+"é"?&=42 x';
const masker = () => {
  const m = new SecretMasker();
  m.add(SECRET);
  return m;
};
const b64 = (text: string) => Buffer.from(text).toString("base64");
const b64url = (text: string) => Buffer.from(text).toString("base64url");

describe("SecretMasker", () => {
  it.each([
    ["the value", SECRET],
    ["upper case", SECRET.toUpperCase()],
    ["lower case", SECRET.toLowerCase()],
    ["mixed case", "tOK/EN+\"é\"?&=42 X"],
    ["JSON-escaped", JSON.stringify(SECRET).slice(1, -1)],
    ["JSON-escaped twice (a JSON text inside a JSON string)", JSON.stringify(JSON.stringify(SECRET)).slice(1, -1).slice(2, -2)],
    ["JSON-escaped, ASCII only (\\u00e9)", JSON.stringify(SECRET).slice(1, -1).replace("é", "\\u00e9")],
    ["URL-encoded (encodeURIComponent)", encodeURIComponent(SECRET)],
    ["URL-encoded, lower-case hex", encodeURIComponent(SECRET).toLowerCase()],
    ["form-encoded (URLSearchParams)", new URLSearchParams({ a: SECRET }).toString().slice(2)],
    ["encodeURI", encodeURI(SECRET)],
    ["hex", Buffer.from(SECRET).toString("hex")],
    ["base64", b64(SECRET)],
    ["base64 without padding", b64(SECRET).replace(/=+$/, "")],
    ["base64url", b64url(SECRET)],
    ["base64url with padding", b64(SECRET).replace(/\+/g, "-").replace(/\//g, "_")],
  ])("masks %s, alone and inside a line", (_form, leaked) => {
    expect(b64(SECRET)).toMatch(/[+/]/); // the url-safe alphabet differs for this value
    expect(masker().mask(leaked)).toBe(MASK);
    expect(masker().mask(`before ${leaked} after`)).toBe(`before ${MASK} after`);
  });

  it.each([0, 1, 2, 3, 4, 5])("masks the value's base64 inside a longer base64 text (value after %i bytes)", (offset) => {
    const around = (n: number) => "x".repeat(n);
    for (const encode of [b64, b64url]) {
      const encoded = encode(`${around(offset)}${SECRET}${around(7)}`);
      const masked = masker().mask(encoded);
      expect(masked).toContain(MASK);
      // what is left around the mask is the neighbours' characters, at most 2 shared with the value on each side
      const [before, after] = masked.split(MASK);
      expect(before.length).toBeLessThanOrEqual(Math.ceil((offset * 8) / 6));
      expect(after.length).toBeLessThanOrEqual(encode(around(7)).length + 2);
      expect(masked).not.toContain(base64Forms(new TextEncoder().encode(SECRET))[2 + (offset % 3)].slice(1));
    }
  });

  it("computes the stable inner base64 part of each alignment exactly", () => {
    // "FOO1" is 4 bytes: alone "Rk9PMQ==", after 1 byte "?EZPTzE", after 2 "??RlBPMQ"
    const [whole, bare, k0, k1, k2] = base64Forms(new TextEncoder().encode("FOO1"));
    expect([whole, bare]).toEqual(["Rk9PMQ==", "Rk9PMQ"]);
    expect(k0).toBe("Rk9PM"); // the 6th character also holds the first bits of what follows
    expect(k1).toBe("ZPTz"); // characters 2..5: the 2nd holds bits of the byte before, the 7th of the byte after
    expect(k2).toBe("GT08x"); // characters 3..7
    for (const prefix of ["", "a", "ab", "abc"]) {
      for (const suffix of ["", "z", "zz", "zzz"]) {
        expect(b64(`${prefix}FOO1${suffix}`)).toContain([k0, k1, k2][prefix.length % 3]);
      }
    }
  });

  it("masks the lines of a multi-line value, and keeps short values and pieces", () => {
    const m = new SecretMasker();
    m.add("first-line\nsecond-line");
    m.add("ab");
    expect(m.mask("first-line then second-line, ab")).toBe(`${MASK} then ${MASK}, ab`);
    expect(m.mask("first-line\nsecond-line")).toBe(MASK);
  });

  it("masks strings inside values (keys too), text files, and keeps binary files as they are", () => {
    const m = masker();
    expect(m.maskValue({ [SECRET]: [b64(SECRET), 42, { deep: encodeURIComponent(SECRET) }] })).toEqual({ [MASK]: [MASK, 42, { deep: MASK }] });
    expect(new TextDecoder().decode(m.maskBytes(new TextEncoder().encode(`a,${SECRET}\n`)))).toBe(`a,${MASK}\n`);
    const binary = new Uint8Array([0xff, 0xfe, ...new TextEncoder().encode(SECRET)]);
    expect(m.maskBytes(binary)).toBe(binary);
  });

  it("masks nothing until a value is added", () => {
    const m = new SecretMasker();
    expect(m.empty).toBe(true);
    expect(m.mask(SECRET)).toBe(SECRET);
    const value = { a: SECRET };
    expect(m.maskValue(value)).toBe(value);
  });
});
